//! Reminders (being written).
