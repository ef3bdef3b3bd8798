"""The portable backup: every record the tracker holds, one readable file per table.

``tables`` declares the tables (columns derived from the models), ``files`` writes a backup
directory with its manifest and reads one back, checked. ``manage.py export_all`` writes a
backup; ``manage.py import_all`` restores one into an empty database through
``services.restore.backup_restore``. User accounts and the audit trail are not in it: they
are ``pg_dump``'s job (docs/deployment.md, "Backups").
"""
