"""Group mails and reminders, sent through the outbox: what an organizer writes to a
chosen group of an event's registrations (``service``, ``recipients``, ``render``)."""
