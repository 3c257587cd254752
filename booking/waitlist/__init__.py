"""The waitlist (issue 14): entries, holds on freed time, offers in batches, taking an offer.

Part of scheduling's services: it books through `scheduling` and writes through the ledger
(`messaging`); neither imports it back. It plugs into booking's seams from `register()`:
appointment events (in the freeing transaction for the hold, after commit for the offer),
the ledger's kinds, and the private-link subjects ("w").
"""
