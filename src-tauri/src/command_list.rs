// The app's commands, declared once (this file is `include!`d, not a module). lib.rs expands it into
// the invoke handler; build.rs into one `allow-<name>` permission per command and the capability that
// grants exactly these. The UI's calls in ui/src/api.ts are checked against it by `command_drift`.
app_commands! {
    commands::app_info,
    commands::files::parse_ids,
    commands::files::read_ids_file,
    commands::files::choose_ids_file,
    commands::jobs::sample_ids,
    commands::jobs::submit,
    commands::jobs::list_jobs,
    commands::jobs::timeline,
    commands::jobs::download,
    commands::jobs::download_batch,
    commands::jobs::show_in_folder,
    commands::jobs::cancel,
    commands::jobs::retry,
    commands::jobs::remove,
    commands::settings::settings_get,
    commands::settings::settings_save,
    commands::settings::secret_clear,
    commands::settings::test_fly,
    commands::settings::test_r2,
    commands::updates::update_check,
    commands::updates::update_install,
}
