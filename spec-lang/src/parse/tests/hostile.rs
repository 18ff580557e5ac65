//! Hostile input: no panic, no stack overflow, linear time.
