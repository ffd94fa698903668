"""Intake: from an HTTP body to durably accepted documents and the receipts that answer them."""
