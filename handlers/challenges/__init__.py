"""The quarterly challenges: collecting them, the vote tally and the planning of the posts."""
