SELECT agreement_id, first_seq, last_seq, body, balances
FROM frames
WHERE agreement_id = $1 AND last_seq > $2
ORDER BY first_seq
