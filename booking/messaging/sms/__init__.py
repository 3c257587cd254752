"""Text messages (SMS): backends, what a text says, quiet hours, opt-in and opt-out.

Registered with the ledger (booking/messaging/kinds.py) from BookingConfig.ready(), through
register() in compose.py: the ledger claims, sends once, retries and records texts exactly like
emails, one row per (subject, kind, moment, channel="sms").
"""
