SELECT id, source_sha256, head_seq, head_hash, opened_at
FROM agreements
WHERE id IN (SELECT j.value ->> 'id' FROM json_each($1) AS j)
