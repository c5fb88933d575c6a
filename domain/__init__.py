"""Pure rules of channel sales support: no I/O, no ORM, no SDK."""
