//! Simulation on small specs built in the tests.
