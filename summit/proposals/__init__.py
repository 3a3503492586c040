"""The call for speakers: the public call and form (``/<event>/cfp``), each speaker's
own page (``/proposals/<token>``), reviews and the organizers' decisions, the mails."""
