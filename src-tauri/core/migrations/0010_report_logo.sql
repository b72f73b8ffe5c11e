-- 0010: an optional logo (PNG) for the After Action Report's cover.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE aar_settings ADD COLUMN logo BLOB;
