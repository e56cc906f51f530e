DELETE FROM receipts WHERE created_at < $1
