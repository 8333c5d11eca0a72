-- Columns of the public tables as the server has them (not as our .sql files say they should be).
SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'NO' AS not_null
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = ANY (%(tables)s)
ORDER BY table_name, ordinal_position;
