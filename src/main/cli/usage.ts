/**
 * Usage texts of every `p1studio` command and the usage error, in a module that imports
 * almost nothing: `p1studio help` loads only this (docs/cli.md). A command module's usage
 * lines live here so that help never loads the command (board flasher, MQTT, DuckDB…).
 */
import { METER_FAULTS } from '../line/faults'
import { appVersion } from './root'

/** A usage error: printed as one line with a pointer to `p1studio help`, exit 2. */
export class UsageError extends Error {}

/** Usage lines of `diagnose` (src/main/cli/diagnose-commands.ts). */
export const DIAGNOSE_USAGE = `  diagnose --port PATH|tcp://HOST:PORT | --capture FILE [--key HEX] [--auth-key HEX] [--duration SECONDS] [--cadence SECONDS]
           [--json] [--report FILE.html|FILE.json]... [--lang en|fr|de] [--force] [--no-retry] [--baud N ...]
      Installation check: port, signal, polarity and line settings, framing, cadence,
      key, telegram. Prints the verdict (docs/verdict-codes.md); exit 0 only for "ok".
      --capture: judge a recorded capture (or dump) with its recorded receive times.
      tcp://HOST:PORT: raw P1 bytes over TCP; the line's baud and polarity are set at the
      reader (ser2net, the dongle), so they are neither tried nor judged (the report says so).
`

/** Usage lines of the capture commands (src/main/cli/capture-commands.ts). */
export const CAPTURE_USAGE = `  capture --port PATH --out FILE [--duration SECONDS] [--split-daily] [--baud N ...]
      Record every byte with its receive time into a capture file (docs/capture-format.md).
  replay FILE [--to PATH] [--speed N] [--key HEX] [--auth-key HEX]
      Play a capture (or dump) out of a serial port with its recorded timing / speed
      (1 = as recorded, 10, 100, inf); without --to, print its frames as decode does
      (exit 1 when nothing could be decoded, e.g. encrypted frames and no key).
  import FILE --out CAPTURE [--force]
      Turn a raw dump, hex dump or telegram text into a capture file (refused if it holds
      no P1 frame; never half a file).
  export FILE [--key HEX] [--auth-key HEX] [--zone ZONE] --format csv|jsonl|raw [--out PATH [--force]]
      CSV (one row per telegram, one column per OBIS code), JSON Lines, or raw bytes.
  export FILE --anonymise --key HEX [--auth-key HEX] --out FILE.p1cap [--force]
      A capture to share: meter ids, system title and key replaced, faults and timing kept;
      prints the new key.
  capture-info FILE
      Header, records, bytes, time span; says if the last record was torn or where the
      file is damaged (damaged records are skipped, the rest is read).
`

/** Usage lines of `stats` (src/main/cli/history-commands.ts). */
export const HISTORY_USAGE = `  stats FILE... [--key HEX] [--auth-key HEX] [--class KW] [--price EUR_PER_KWH] [--zone ZONE] [--json]
      Per local day: imported/exported kWh, peak 15-minute demand, energy above the power
      class (default 7 kW) and its cost (default 0.1139 €/kWh), from the meter's clock.
  history export --format parquet|csv --out FILE [--meter ID] [--from DATE] [--to DATE]
                 [--tz ZONE] [--force] [--history FILE.duckdb] [--json]
      The history's readings as Parquet (pandas, pyarrow, DuckDB) or CSV; dates are the
      meter's local days (Europe/Luxembourg), --to included; the file is 0600.
  history import FILE... [--key HEX] [--auth-key HEX] [--history FILE.duckdb]
      Captures and dumps into the history (readings already there are skipped).
  history meters [--json]
      The meters in the history, their readings and time span.
`

/** Usage lines of `service` (src/main/cli/service-commands.ts). */
export const SERVICE_USAGE = `  service install [--dry-run] [--name NAME] [--key HEX | --key-file FILE] [serve options...]
      A systemd user unit running serve --record with these options, enabled and started
      (printed where systemd does not run). The P1 key goes to a 0600 file, not the unit.
  service uninstall [--dry-run] [--name NAME]
  service status [--name NAME] [--json]
`

/** Usage lines of `board` (src/main/cli/board-commands.ts). */
export const BOARD_USAGE = `  board info --port PATH [--no-reset] [--json]
      Chip, MAC and flash size of an ESP8266/ESP32 board through its ROM bootloader.
  board flash --port PATH FILE[@OFFSET]... [--erase-all] [--baud N] [--no-reset] [--no-compress] [--json]
      Flash images (ESP8266: app.bin; ESP32: bootloader.bin@0x1000 partitions.bin@0x8000
      app.bin@0x10000); refuses images built for another chip; verifies by the flash MD5.
  board config --profile FILE|ID --format config.h|esphome [--layout v1.6|v1.7] [--key HEX] [--out FILE [--force]]
      SmartyReader config.h or ESPHome YAML from a profile (a saved profile's id, JSON, export,
      or a config.h); secrets masked on screen, written only into --out (0600; ESPHome:
      secrets.yaml beside it; an existing file only with --force).
  board profiles [--json]
      The saved board profiles, which secrets are set or cannot be read, and how secrets are
      kept (OS keyring, or an encrypted file whose key lies beside the data folder).
  board verify --mqtt URL --topic TOPIC [--interval SECONDS] [--tolerance S] [--duration S]
               [--mode auto|fields|cooked] [--username U --password P] [--ca FILE] [--insecure]
               [--p1 PATH --key HEX] [--json]
      Check a board's MQTT output: interval, the firmware's fields, values against the meter
      read on --p1. Exit 0 for "ok" (or "values_not_compared" without --p1).
  board improv --port PATH --ssid SSID [--password P] [--json]
      Send Wi-Fi credentials over Improv serial (ESPHome, Tasmota): state and URL.
  board monitor (--port PATH [--baud N] | --udp [PORT] [--board IP | --bind ADDR]) [--duration S]
      A board's debug output (serial) or the SmartyReader's UDP log (port 6666), timestamped.
      The UDP log listens on this computer's address towards --board IP, on --bind ADDR
      (one of this computer's, or 0.0.0.0 for all), else on 127.0.0.1 only.
`

/** The text of `p1studio help`. */
export function usageText(): string {
  return `P1 Studio ${appVersion()} — Smarty / DSMR P1 tools

Usage: p1studio <command> [options]

  decode [--key HEX | --key-file FILE] [--auth-key HEX] [--zone ZONE] FILE|-
      Decode a raw byte stream (a file, or - for stdin). One JSON line per frame:
      {"systemTitle","frameCounter","identification","crcOk","warnings","objects":{…}}
      or {"error":{"code","message"},"offset"} for a frame that failed.
      Exit 0 if at least one telegram decoded (or the input held no frame), 1 otherwise.
  monitor --port PATH|tcp://HOST:PORT [--key HEX | --key-file FILE] [--auth-key HEX] [--baud N]
          [--data-bits N] [--parity none|even|odd] [--stop-bits N] [--count N] [--zone ZONE]
      The same, live from a serial port (default 115200 8N1); stops after N telegrams
      (exit 0; Ctrl-C too; 1 when the port vanishes). After each burst, the line's counters
      on stderr: bytes, bursts, frames found, decoded, the last failure and its reason.
  simulate --port PATH --key HEX [--interval SECONDS] [--system-title HEX] [--count N]
           [--plain] [--fault NAME [--every N] [--truncate-at N]] [--peer PATH]
      Virtual Smarty meter: writes encrypted frames to a port (default every 10 s).
      Faults: ${METER_FAULTS.join(', ')} (docs/cli.md).
      --peer: the other end of a pty pair; inverted/wrong-baud lines are then delivered as a
      UART set like that end would read them (bit-level model).
  serve [--port PATH | --capture FILE | --demo] [--key HEX] [--auth-key HEX] [--listen HOST:PORT]
        [--token TOKEN] [--host-name NAME]... [--open] [--capture-dir DIR] [--history FILE.duckdb]
      The P1 Studio UI in a browser (default 127.0.0.1:8417, demo source). The address it
      prints carries the access token (see token); --open opens it. Browsers may reach it
      as 127.0.0.1, localhost or this computer's addresses, or a NAME given with --host-name.
      Always on (docs/raspberry-pi.md): --port tcp://HOST:PORT [--allow-tcp HOST:PORT]...
        [--zone ZONE] [--record [--daily-captures]] /metrics (token as Authorization: Bearer)
        [--mqtt-publish URL [--mqtt-prefix P] [--ha-discovery] [--mqtt-user U --mqtt-password-file F]]
        [--nightly-report [--class KW] [--price EUR] [--lang en|fr|de]
         [--smtp smtp://|smtps://|smtp+plain://HOST[:PORT] --mail-to ADDR [--mail-from ADDR]
          [--smtp-user U [--smtp-password-file F]] [--smtp-ca FILE]]]
  token [--new]
      Print serve's access token (kept in the data folder, the same across restarts);
      --new replaces it.
  smtp-password set --from-file FILE | --stdin, smtp-password clear | status
      Keep the nightly report's SMTP password like the board secrets (encrypted in the data
      folder, 0600); serve --smtp-user U then uses it. Never printed; status says how it is kept.
${DIAGNOSE_USAGE}${CAPTURE_USAGE}${HISTORY_USAGE}${SERVICE_USAGE}${BOARD_USAGE}  help, --help, --version

The P1 key: wherever --key HEX is accepted, --key-file FILE (a file holding the 32 hex
digits, readable by you only: chmod 600) and the environment variable P1STUDIO_KEY work
too. Prefer them: a key given with --key is visible to every local user while the
command runs (ps, /proc/PID/cmdline).

Sources: monitor, capture, diagnose and serve take tcp://HOST:PORT as --port (raw P1 bytes
over TCP: ser2net, ESPHome's stream server, network P1 dongles); P1 Studio reconnects with
back-off and says so.
`
}
