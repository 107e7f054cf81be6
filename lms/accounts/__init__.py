"""Users, roles, jabatan, passwords, server-side sessions, CSRF and login throttling."""
