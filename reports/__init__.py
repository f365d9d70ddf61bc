"""What people read: digests, mail, feeds and the archive browser."""
