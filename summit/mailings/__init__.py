"""Mail to an event's attendees beyond what their registration sends: group mails and
the reminders before the event (``reminders``), all through the outbox."""
