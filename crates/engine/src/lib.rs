//! The headless heart of Arke Export: everything the desktop app does, without a window.

pub mod app_info;
