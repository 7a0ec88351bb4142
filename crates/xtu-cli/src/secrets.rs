//! Reading passwords and tokens without exposing them.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::Path;

use xtu_app::Error;

/// The password from `--password`/`XTU_PASSWORD`, `--password-stdin`, or a
/// prompt without echo when standard input is a terminal.
pub fn password(given: Option<String>, from_stdin: bool) -> Result<String, Error> {
    let password = if from_stdin {
        read_stdin_line("password")?
    } else if let Some(password) = given {
        password
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("password: ")
            .map_err(Error::io("could not read the password"))?
    } else {
        return Err(Error::Usage(
            "no password given: use --password-stdin, XTU_PASSWORD, or run in a terminal to be prompted".into(),
        ));
    };
    if password.is_empty() {
        return Err(Error::Usage("the password is empty".into()));
    }
    Ok(password)
}

/// A token argument: `-` reads it from standard input.
pub fn token(given: &str) -> Result<String, Error> {
    let token = if given == "-" {
        read_stdin_line("token")?
    } else {
        given.to_owned()
    };
    if token.trim().is_empty() {
        return Err(Error::Usage("the token is empty".into()));
    }
    Ok(token)
}

/// The first line of standard input, without its line ending.
pub fn read_stdin_line(what: &str) -> Result<String, Error> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(Error::io(format!(
            "could not read the {what} from standard input"
        )))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &Path) -> Result<String, Error> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(Error::io("could not read standard input"))?;
        Ok(text)
    } else {
        let bytes =
            std::fs::read(path).map_err(Error::io(format!("could not read {}", path.display())))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
