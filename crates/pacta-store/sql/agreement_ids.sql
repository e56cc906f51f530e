SELECT id FROM agreements ORDER BY id
