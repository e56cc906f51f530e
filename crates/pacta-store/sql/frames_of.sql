SELECT agreement_id, first_seq, last_seq, body, balances
FROM frames
WHERE agreement_id IN (SELECT j.value ->> 'id' FROM json_each($1) AS j)
ORDER BY agreement_id, first_seq
