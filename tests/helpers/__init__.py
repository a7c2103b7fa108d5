"""What several test modules share: rigs (sshd, PgBouncer, replica, pty), fixed data, waiting."""
