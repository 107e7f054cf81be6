"""Practice ledgers (buku latihan): each participant's private sandboxes seeded from scenarios."""
