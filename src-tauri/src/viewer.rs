//! Opening a PDF the app wrote in the desktop's default viewer, for printing. Callers check the
//! path first (it comes from the window): only files this app wrote are opened.

use escalation_core::Error;

pub fn open_pdf(path: &str) -> Result<(), Error> {
    let mut child = std::process::Command::new("xdg-open")
        .arg(path)
        .spawn()
        .map_err(|e| Error::Refused(format!("No PDF viewer could be started ({e}). The file is at {path}.")))?;
    // Reap it when it exits (xdg-open hands over to the viewer and ends), so no zombie is left.
    std::thread::spawn(move || child.wait());
    Ok(())
}
