SELECT first_seq, last_seq, balances
FROM frames
WHERE agreement_id = $1
ORDER BY first_seq
