SELECT id, head_seq, head_hash FROM agreements
WHERE id IN (SELECT j.value ->> 'id' FROM json_each($1) AS j)
