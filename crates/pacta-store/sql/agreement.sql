SELECT id, source_sha256, head_seq, head_hash, opened_at
FROM agreements
WHERE id = $1
