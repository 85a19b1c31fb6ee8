use super::*;

#[test]
fn imsi_parse_format_and_parts() {
    let a: Imsi = "310410000100000".parse().unwrap();
    assert_eq!(a.value(), 310_410_000_100_000);
    assert_eq!(a.digits(), 15);
    assert_eq!(a.to_string(), "310410000100000");
    let p: Plmn = "310-410".parse().unwrap();
    assert_eq!(Imsi::from_plmn_msin(p, 100_000), Some(a));
    assert!(a.belongs_to(p));
    assert!(!a.belongs_to("310-42".parse().unwrap()));
    let fr = Imsi::from_plmn_msin("208-01".parse().unwrap(), 42).unwrap();
    assert_eq!(fr.to_string(), "208010000000042");
    let (ascii, n) = fr.ascii();
    assert_eq!(&ascii[..n], b"208010000000042");
    assert_eq!(a.checked_add(1).unwrap().to_string(), "310410000100001");
    assert!("99999999999999999".parse::<Imsi>().is_err());
    assert!("31041000010000x".parse::<Imsi>().is_err());
    assert!(Imsi::new(999_999_999_999_999, 15)
        .unwrap()
        .checked_add(1)
        .is_none());
}

#[test]
fn leading_zeros_are_kept() {
    let m: Msisdn = "0015550000000".parse().unwrap();
    assert_eq!(m.digits(), 13);
    assert_eq!(m.to_string(), "0015550000000");
    let imsi: Imsi = "001010000000001".parse().unwrap();
    assert!(imsi.belongs_to("001-01".parse().unwrap()));
}

#[test]
fn tbcd_digits() {
    // The MSISDN AVP of the reference ULA: 15550000000 -> 51 55 00 00 00 f0.
    let m: Msisdn = "15550000000".parse().unwrap();
    let (buf, n) = m.to_tbcd();
    assert_eq!(&buf[..n], &[0x51, 0x55, 0x00, 0x00, 0x00, 0xf0]);
    assert_eq!(Msisdn::from_tbcd(&buf[..n]), Some(m));
    let imsi: Imsi = "310410000100000".parse().unwrap();
    let (buf, n) = imsi.to_tbcd();
    assert_eq!(&buf[..n], &[0x13, 0x40, 0x01, 0x00, 0x10, 0x00, 0x00, 0xf0]);
    assert_eq!(Imsi::from_tbcd(&buf[..n]), Some(imsi));
    assert_eq!(Imsi::from_tbcd(&[0x13, 0xf0, 0x14]), None);
    let imei: Imei = "3520990017614823".parse().unwrap();
    let (buf, n) = imei.to_tbcd();
    assert_eq!(Imei::from_tbcd(&buf[..n]), Some(imei));
}

#[test]
fn plmn_parse_format_tbcd() {
    let cases = [
        ("208-01", [0x02, 0xf8, 0x10]),
        ("310-410", [0x13, 0x00, 0x14]),
        ("234-15", [0x32, 0xf4, 0x51]),
        ("001-01", [0x00, 0xf1, 0x10]),
        ("724-05", [0x27, 0xf4, 0x50]),
        ("310-010", [0x13, 0x00, 0x10]),
    ];
    for (text, tbcd) in cases {
        let p: Plmn = text.parse().unwrap();
        assert_eq!(p.to_string(), text);
        assert_eq!(p.to_tbcd(), tbcd, "{text}");
        assert_eq!(Plmn::from_tbcd(tbcd).unwrap(), p);
    }
    assert_ne!("310-41".parse::<Plmn>(), "310-041".parse::<Plmn>());
    for bad in ["20801", "20-801", "208-1", "208-0001", "2a8-01", ""] {
        assert!(bad.parse::<Plmn>().is_err(), "{bad}");
    }
    assert!(Plmn::from_tbcd([0x02, 0xfa, 0x10]).is_err());
}

#[test]
fn ts_23_003_names() {
    let v: Plmn = "208-01".parse().unwrap();
    assert_eq!(v.epc_realm(), "epc.mnc001.mcc208.3gppnetwork.org");
    assert_eq!(v.mme_host(1), "mme1.epc.mnc001.mcc208.3gppnetwork.org");
    let h: Plmn = "310-410".parse().unwrap();
    assert_eq!(h.hss_host(), "hss.epc.mnc410.mcc310.3gppnetwork.org");
}
