//! TS 32.298 `TimeStamp`: `OCTET STRING (SIZE(9))` holding `YYMMDDhhmmssShhmm`, six
//! BCD octets of local time, the sign of the offset from UTC as an ASCII `+` or `-`, and the
//! offset's hours and minutes in two BCD octets.

use super::Error;

/// A local date and time with its offset from UTC, to the second: what a CDR carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeStamp {
    /// Year, 2000..=2099 (the encoding keeps two digits).
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of the month, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
    /// Offset of the local time from UTC in minutes, -23:59..=+23:59.
    pub utc_offset_min: i16,
}

/// Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A civil date to days since 1970-01-01.
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

fn from_bcd(o: u8) -> Option<u8> {
    let (hi, lo) = (o >> 4, o & 0xf);
    (hi <= 9 && lo <= 9).then_some(hi * 10 + lo)
}

impl TimeStamp {
    /// The local time `utc_offset_min` minutes ahead of UTC at `unix_s` seconds after the Unix
    /// epoch. Years outside 2000..=2099 are clamped into that range's ends.
    pub fn from_unix(unix_s: u64, utc_offset_min: i16) -> TimeStamp {
        let local = unix_s as i64 + i64::from(utc_offset_min) * 60;
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        let t = TimeStamp {
            year: year.clamp(2000, 2099) as u16,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
            utc_offset_min,
        };
        if (2000..=2099).contains(&year) {
            t
        } else if year < 2000 {
            TimeStamp::from_unix(946_684_800, utc_offset_min)
        } else {
            TimeStamp::from_unix(4_102_444_799, utc_offset_min)
        }
    }

    /// Seconds after the Unix epoch of this instant (local time less its offset).
    pub fn to_unix(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.utc_offset_min) * 60
    }

    /// The 9 octets of the encoding.
    pub fn to_bytes(&self) -> [u8; 9] {
        let off = self.utc_offset_min.unsigned_abs();
        [
            bcd((self.year % 100) as u8),
            bcd(self.month),
            bcd(self.day),
            bcd(self.hour),
            bcd(self.minute),
            bcd(self.second),
            if self.utc_offset_min < 0 { b'-' } else { b'+' },
            bcd((off / 60) as u8),
            bcd((off % 60) as u8),
        ]
    }

    /// Decodes the 9 octets; `field` names the CDR field in the error.
    pub fn parse(b: &[u8], field: &'static str) -> Result<TimeStamp, Error> {
        let bad = Error::Malformed(field);
        if b.len() != 9 {
            return Err(bad);
        }
        let mut d = [0u8; 8];
        for (i, &o) in [b[0], b[1], b[2], b[3], b[4], b[5], b[7], b[8]]
            .iter()
            .enumerate()
        {
            d[i] = from_bcd(o).ok_or(bad)?;
        }
        let sign: i16 = match b[6] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(bad),
        };
        let t = TimeStamp {
            year: 2000 + u16::from(d[0]),
            month: d[1],
            day: d[2],
            hour: d[3],
            minute: d[4],
            second: d[5],
            utc_offset_min: sign * (i16::from(d[6]) * 60 + i16::from(d[7])),
        };
        let valid = (1..=12).contains(&t.month)
            && (1..=31).contains(&t.day)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60
            && d[6] < 24
            && d[7] < 60;
        if valid {
            Ok(t)
        } else {
            Err(bad)
        }
    }
}
