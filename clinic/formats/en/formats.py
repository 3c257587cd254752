# One way to write a date and a time across the site and the back office (Django's own pages,
# our templates and the admin's computed columns all use these), instead of the en-us locale's
# "Nov. 30, 2026, 2:55 p.m." beside our own "2026-11-30 14:55".
DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
