//! A [`Remote`] that runs scripts with the local `sh`: the test double for a server.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use slipway_engine::{Exit, Remote, RemoteError, Stream};

/// Runs every script with `sh -c` (in `cwd` when set), counting executions.
#[derive(Default)]
pub struct LocalShell {
    pub runs: usize,
    pub cwd: Option<std::path::PathBuf>,
}

impl Remote for LocalShell {
    fn run(
        &mut self,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Exit, RemoteError> {
        self.runs += 1;
        let mut command = Command::new("sh");
        if let Some(cwd) = &self.cwd {
            command.current_dir(cwd);
        }
        let mut child = command
            .args(["-c", script])
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| RemoteError::Connection(e.to_string()))?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(bytes)
                .map_err(|e| RemoteError::Connection(e.to_string()))?;
        }
        let (sender, receiver) = mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let out_sender = sender.clone();
        let readers = [
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = out_sender.send((Stream::Stdout, line));
                }
            }),
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    let _ = sender.send((Stream::Stderr, line));
                }
            }),
        ];
        let deadline = Instant::now() + timeout;
        let mut exit = Exit::default();
        loop {
            while let Ok((stream, line)) = receiver.try_recv() {
                on_line(stream, &line);
                keep(&mut exit, stream, &line);
            }
            if let Some(status) = child
                .try_wait()
                .map_err(|e| RemoteError::Connection(e.to_string()))?
            {
                for reader in readers {
                    let _ = reader.join();
                }
                for (stream, line) in receiver.try_iter() {
                    on_line(stream, &line);
                    keep(&mut exit, stream, &line);
                }
                exit.status = status.code().unwrap_or(-1);
                return Ok(exit);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RemoteError::Timeout(timeout));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Appends one output line to the stream it came from.
fn keep(exit: &mut Exit, stream: Stream, line: &str) {
    let buffer = if stream == Stream::Stdout {
        &mut exit.stdout
    } else {
        &mut exit.stderr
    };
    buffer.push_str(line);
    buffer.push('\n');
}
