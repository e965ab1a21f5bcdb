-- Duban schema 0018 (SQLite): nothing. On PostgreSQL this script partitions the events by month; SQLite has no
-- partitioning, and a node on SQLite holds a city's year (docs/BENCHMARKS.md).
SELECT 1;
