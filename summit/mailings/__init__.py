"""Mail to an event's attendees beyond what their registration sends, all through the
outbox: group mails that an organizer writes to a chosen group of registrations
(``service``, ``recipients``, ``render``) and the reminders before the event
(``reminders``, ``reminder_mail``)."""
