"""The store on PostgreSQL (asyncpg), for deployments of several processes or hosts.

The repositories are the same classes as on SQLite (bot/store/*.py), speaking through
`PgDatabase` here; only the SQL that differs is written twice (backend.Sql). The schema has
its own numbered migrations in migrations/, one per SQLite migration, so a version number
means the same schema on both engines.
"""
