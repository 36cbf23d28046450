package db

// QueuedWrites is how many writes wait for the writer goroutine (not counting
// the batch it is running). Tests use it to know that requests have reached
// their write, to order them against each other without sleeping.
func (d *DB) QueuedWrites() int {
	if d.writes == nil {
		return 0
	}
	return len(d.writes)
}
