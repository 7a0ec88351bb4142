//! Scheduling `xtu watch --once` with the system's own scheduler: a systemd
//! user service and timer, a macOS LaunchAgent, a Windows Task Scheduler
//! task. One check is one process; the scheduler runs it.

use std::fmt::Write as _;
use std::time::Duration;

use crate::error::Error;

/// The interval a unit runs at when none is given.
pub const DEFAULT_UNIT_INTERVAL: Duration = Duration::from_secs(30 * 60);

/// Which scheduler's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// `~/.config/systemd/user/xtu-watch.service`.
    SystemdService,
    /// `~/.config/systemd/user/xtu-watch.timer`.
    SystemdTimer,
    /// `~/Library/LaunchAgents/cn.edu.xtu.toolkit.watch.plist`.
    Launchd,
    /// A Task Scheduler XML for `schtasks /Create /XML`.
    Schtasks,
}

impl UnitKind {
    /// From `systemd`, `systemd-timer`, `launchd`, `schtasks`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text {
            "systemd" => Ok(Self::SystemdService),
            "systemd-timer" => Ok(Self::SystemdTimer),
            "launchd" => Ok(Self::Launchd),
            "schtasks" => Ok(Self::Schtasks),
            other => Err(Error::Usage(format!(
                "unknown unit {other:?}: expected systemd, systemd-timer, launchd or schtasks"
            ))),
        }
    }
}

/// The file that runs `program args...` every `every` (whole minutes, at
/// least one).
pub fn unit_file(kind: UnitKind, program: &str, args: &[String], every: Duration) -> String {
    let minutes = every.as_secs().div_ceil(60).max(1);
    match kind {
        UnitKind::SystemdService => {
            let command: Vec<String> = std::iter::once(program)
                .chain(args.iter().map(String::as_str))
                .map(systemd_quote)
                .collect();
            format!(
                "[Unit]\n\
                 Description=xtu: report new grades, exams and notices\n\
                 \n\
                 [Service]\n\
                 Type=oneshot\n\
                 ExecStart={}\n",
                command.join(" ")
            )
        }
        UnitKind::SystemdTimer => format!(
            "[Unit]\n\
             Description=Run xtu watch every {minutes} minutes\n\
             \n\
             [Timer]\n\
             OnBootSec=5min\n\
             OnUnitActiveSec={minutes}min\n\
             RandomizedDelaySec=60\n\
             Unit=xtu-watch.service\n\
             \n\
             [Install]\n\
             WantedBy=timers.target\n"
        ),
        UnitKind::Launchd => {
            let mut arguments = String::new();
            for arg in std::iter::once(program).chain(args.iter().map(String::as_str)) {
                let _ = writeln!(arguments, "    <string>{}</string>", xml_escape(arg));
            }
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
                 <plist version=\"1.0\">\n\
                 <dict>\n\
                 \x20 <key>Label</key>\n\
                 \x20 <string>cn.edu.xtu.toolkit.watch</string>\n\
                 \x20 <key>ProgramArguments</key>\n\
                 \x20 <array>\n\
                 {arguments}\
                 \x20 </array>\n\
                 \x20 <key>StartInterval</key>\n\
                 \x20 <integer>{}</integer>\n\
                 \x20 <key>RunAtLoad</key>\n\
                 \x20 <true/>\n\
                 </dict>\n\
                 </plist>\n",
                minutes * 60
            )
        }
        UnitKind::Schtasks => {
            let arguments: Vec<String> = args.iter().map(|a| windows_quote(a)).collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n\
                 \x20 <RegistrationInfo>\n\
                 \x20   <Description>xtu: report new grades, exams and notices</Description>\n\
                 \x20 </RegistrationInfo>\n\
                 \x20 <Triggers>\n\
                 \x20   <LogonTrigger>\n\
                 \x20     <Enabled>true</Enabled>\n\
                 \x20     <Repetition>\n\
                 \x20       <Interval>PT{minutes}M</Interval>\n\
                 \x20       <StopAtDurationEnd>false</StopAtDurationEnd>\n\
                 \x20     </Repetition>\n\
                 \x20   </LogonTrigger>\n\
                 \x20 </Triggers>\n\
                 \x20 <Principals>\n\
                 \x20   <Principal id=\"Author\">\n\
                 \x20     <LogonType>InteractiveToken</LogonType>\n\
                 \x20     <RunLevel>LeastPrivilege</RunLevel>\n\
                 \x20   </Principal>\n\
                 \x20 </Principals>\n\
                 \x20 <Settings>\n\
                 \x20   <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n\
                 \x20   <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n\
                 \x20   <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n\
                 \x20   <StartWhenAvailable>true</StartWhenAvailable>\n\
                 \x20   <RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable>\n\
                 \x20   <ExecutionTimeLimit>PT10M</ExecutionTimeLimit>\n\
                 \x20   <Enabled>true</Enabled>\n\
                 \x20 </Settings>\n\
                 \x20 <Actions Context=\"Author\">\n\
                 \x20   <Exec>\n\
                 \x20     <Command>{}</Command>\n\
                 \x20     <Arguments>{}</Arguments>\n\
                 \x20   </Exec>\n\
                 \x20 </Actions>\n\
                 </Task>\n",
                xml_escape(program),
                xml_escape(&arguments.join(" "))
            )
        }
    }
}

/// One word of `ExecStart=`: quoted when needed; `%` and `$` doubled (systemd
/// expands both).
fn systemd_quote(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%")
        .replace('$', "$$");
    if escaped.is_empty() || escaped.contains(|c: char| c.is_whitespace() || c == ';' || c == '\'')
    {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

/// One argument as the Windows C runtime splits a command line.
fn windows_quote(word: &str) -> String {
    if !word.is_empty() && !word.contains([' ', '\t', '"']) {
        return word.to_owned();
    }
    let mut out = String::from("\"");
    let mut backslashes = 0;
    for c in word.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            other => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(other);
                backslashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_for_each_scheduler() {
        assert_eq!(systemd_quote("watch"), "watch");
        assert_eq!(systemd_quote("notify-send 'a b'"), "\"notify-send 'a b'\"");
        assert_eq!(systemd_quote("50%$HOME"), "50%%$$HOME");
        assert_eq!(windows_quote("C:\\a b\\"), "\"C:\\a b\\\\\"");
        assert_eq!(windows_quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(xml_escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }

    #[test]
    fn the_interval_is_in_whole_minutes() {
        let timer = unit_file(UnitKind::SystemdTimer, "xtu", &[], Duration::from_secs(90));
        assert!(timer.contains("OnUnitActiveSec=2min"), "{timer}");
        let plist = unit_file(
            UnitKind::Launchd,
            "/usr/local/bin/xtu",
            &["watch".into(), "--once".into()],
            DEFAULT_UNIT_INTERVAL,
        );
        assert!(plist.contains("<integer>1800</integer>"), "{plist}");
        assert!(plist.contains("<string>--once</string>"), "{plist}");
        assert!(UnitKind::parse("cron").is_err());
    }
}
