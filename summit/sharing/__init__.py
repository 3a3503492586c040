"""Pages that share well: the picture a chat shows for an event's links
(``/<event>/share.png``), and the QR code of the registration page for posters."""
