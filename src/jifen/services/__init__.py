"""Use cases: one function per thing a user of jifen does, each in one transaction."""
