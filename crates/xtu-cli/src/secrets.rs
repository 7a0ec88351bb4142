//! Reading passwords and tokens without exposing them.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
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

/// Reads at most `limit` bytes of a file, or of standard input for `-`; a
/// larger input is refused rather than read.
pub fn read_bytes(path: &Path, limit: usize) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    let what = if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    let reader: Box<dyn std::io::Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(Error::io(format!("could not read {what}")))?)
    };
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(Error::io(format!("could not read {what}")))?;
    if bytes.len() > limit {
        return Err(Error::Usage(format!(
            "{what} is larger than {} MiB: not a transcript",
            limit / (1024 * 1024)
        )));
    }
    Ok(bytes)
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

/// The login server wants a captcha: on a terminal, the image goes to a file
/// whose path is shown, and the answer is read from the prompt; elsewhere
/// there is nobody to ask (`None`: no password is sent, exit 5).
pub fn ask_captcha(image: &[u8]) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    match show_and_ask(image) {
        Ok(answer) => Some(answer),
        Err(e) => {
            eprintln!("warning: {}", crate::output::one_line(&e));
            None
        }
    }
}

fn show_and_ask(image: &[u8]) -> Result<String, Error> {
    // XTU's kaptcha sends JPEG; name the file after what actually came, so
    // image viewers open it.
    let suffix = if image.starts_with(b"\x89PNG") {
        ".png"
    } else {
        ".jpg"
    };
    let file = tempfile::Builder::new()
        .prefix("xtu-captcha-")
        .suffix(suffix)
        .tempfile()
        .map_err(Error::io("could not create a file for the captcha image"))?;
    std::fs::write(file.path(), image).map_err(Error::io("could not save the captcha image"))?;
    // Kept while the person looks at it; removed once answered.
    eprint!(
        "the login server asks for a captcha; the image is at {}\ncaptcha: ",
        file.path().display()
    );
    let _ = std::io::stderr().flush();
    let answer = read_stdin_line("captcha answer")?;
    Ok(answer.trim().to_owned())
}
