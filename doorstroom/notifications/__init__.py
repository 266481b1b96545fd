"""E-mails to people: the daily digest for office staff, notifications for support."""
