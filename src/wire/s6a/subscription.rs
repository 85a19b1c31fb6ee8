//! Subscription-Data (TS 29.272 §7.3.2) as far as an MME needs it for an EPS attach: MSISDN,
//! Subscriber-Status, Network-Access-Mode, AMBR (§7.3.41) and the APN-Configuration-Profile
//! (§7.3.34) with its APN-Configurations (§7.3.35) and EPS-Subscribed-QoS-Profile (§7.3.37, with
//! Allocation-Retention-Priority of TS 29.212 §5.3.32).

use super::codes::avp;
use crate::wire::diameter::{required, Avp, Error, FromAvp, Repeated, Writer};

/// AMBR (§7.3.41), bit/s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ambr {
    /// Max-Requested-Bandwidth-UL.
    pub max_requested_bandwidth_ul: u32,
    /// Max-Requested-Bandwidth-DL.
    pub max_requested_bandwidth_dl: u32,
}

impl Ambr {
    fn parse(a: &Avp<'_>) -> Result<Self, Error> {
        let (mut ul, mut dl) = (None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::MAX_REQUESTED_BANDWIDTH_UL => ul = Some(i.u32()?),
                avp::MAX_REQUESTED_BANDWIDTH_DL => dl = Some(i.u32()?),
                _ => {}
            }
        }
        Ok(Ambr {
            max_requested_bandwidth_ul: required(ul, avp::MAX_REQUESTED_BANDWIDTH_UL)?,
            max_requested_bandwidth_dl: required(dl, avp::MAX_REQUESTED_BANDWIDTH_DL)?,
        })
    }

    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::AMBR);
        w.avp_u32(
            avp::MAX_REQUESTED_BANDWIDTH_UL,
            self.max_requested_bandwidth_ul,
        );
        w.avp_u32(
            avp::MAX_REQUESTED_BANDWIDTH_DL,
            self.max_requested_bandwidth_dl,
        );
        w.end_group(g);
    }
}

/// Allocation-Retention-Priority (TS 29.212 §5.3.32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationRetentionPriority {
    /// Priority-Level (1..15).
    pub priority_level: u32,
    /// Pre-emption-Capability ([`codes::pre_emption_capability`](super::codes::pre_emption_capability)).
    pub pre_emption_capability: Option<u32>,
    /// Pre-emption-Vulnerability ([`codes::pre_emption_vulnerability`](super::codes::pre_emption_vulnerability)).
    pub pre_emption_vulnerability: Option<u32>,
}

/// EPS-Subscribed-QoS-Profile (§7.3.37).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpsSubscribedQosProfile {
    /// QoS-Class-Identifier (QCI).
    pub qos_class_identifier: u32,
    /// Allocation-Retention-Priority.
    pub allocation_retention_priority: AllocationRetentionPriority,
}

impl EpsSubscribedQosProfile {
    fn parse(a: &Avp<'_>) -> Result<Self, Error> {
        let (mut qci, mut arp) = (None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::QOS_CLASS_IDENTIFIER => qci = Some(i.u32()?),
                avp::ALLOCATION_RETENTION_PRIORITY => arp = Some(parse_arp(&i)?),
                _ => {}
            }
        }
        Ok(EpsSubscribedQosProfile {
            qos_class_identifier: required(qci, avp::QOS_CLASS_IDENTIFIER)?,
            allocation_retention_priority: required(arp, avp::ALLOCATION_RETENTION_PRIORITY)?,
        })
    }

    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::EPS_SUBSCRIBED_QOS_PROFILE);
        w.avp_u32(avp::QOS_CLASS_IDENTIFIER, self.qos_class_identifier);
        let arp = &self.allocation_retention_priority;
        let a = w.begin_group(avp::ALLOCATION_RETENTION_PRIORITY);
        w.avp_u32(avp::PRIORITY_LEVEL, arp.priority_level);
        if let Some(v) = arp.pre_emption_vulnerability {
            w.avp_u32(avp::PRE_EMPTION_VULNERABILITY, v);
        }
        if let Some(c) = arp.pre_emption_capability {
            w.avp_u32(avp::PRE_EMPTION_CAPABILITY, c);
        }
        w.end_group(a);
        w.end_group(g);
    }
}

fn parse_arp(a: &Avp<'_>) -> Result<AllocationRetentionPriority, Error> {
    let (mut level, mut cap, mut vul) = (None, None, None);
    for i in a.group() {
        let i = i?;
        match i.key() {
            avp::PRIORITY_LEVEL => level = Some(i.u32()?),
            avp::PRE_EMPTION_CAPABILITY => cap = Some(i.u32()?),
            avp::PRE_EMPTION_VULNERABILITY => vul = Some(i.u32()?),
            _ => {}
        }
    }
    Ok(AllocationRetentionPriority {
        priority_level: required(level, avp::PRIORITY_LEVEL)?,
        pre_emption_capability: cap,
        pre_emption_vulnerability: vul,
    })
}

/// APN-Configuration (§7.3.35): one subscribed APN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApnConfiguration<'a> {
    /// Context-Identifier.
    pub context_identifier: u32,
    /// PDN-Type ([`codes::pdn_type`](super::codes::pdn_type)).
    pub pdn_type: u32,
    /// Service-Selection: the APN, e.g. `internet`.
    pub service_selection: &'a str,
    /// EPS-Subscribed-QoS-Profile.
    pub eps_subscribed_qos_profile: Option<EpsSubscribedQosProfile>,
    /// AMBR of this APN.
    pub ambr: Option<Ambr>,
}

impl<'a> FromAvp<'a> for ApnConfiguration<'a> {
    fn from_avp(a: &Avp<'a>) -> Result<Self, Error> {
        let (mut ctx, mut pdn, mut apn, mut qos, mut ambr) = (None, None, None, None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::CONTEXT_IDENTIFIER => ctx = Some(i.u32()?),
                avp::PDN_TYPE => pdn = Some(i.u32()?),
                avp::SERVICE_SELECTION => apn = Some(i.utf8()?),
                avp::EPS_SUBSCRIBED_QOS_PROFILE => qos = Some(EpsSubscribedQosProfile::parse(&i)?),
                avp::AMBR => ambr = Some(Ambr::parse(&i)?),
                _ => {}
            }
        }
        Ok(ApnConfiguration {
            context_identifier: required(ctx, avp::CONTEXT_IDENTIFIER)?,
            pdn_type: required(pdn, avp::PDN_TYPE)?,
            service_selection: required(apn, avp::SERVICE_SELECTION)?,
            eps_subscribed_qos_profile: qos,
            ambr,
        })
    }
}

impl ApnConfiguration<'_> {
    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::APN_CONFIGURATION);
        w.avp_u32(avp::CONTEXT_IDENTIFIER, self.context_identifier);
        w.avp_u32(avp::PDN_TYPE, self.pdn_type);
        w.avp_str(avp::SERVICE_SELECTION, self.service_selection);
        if let Some(q) = &self.eps_subscribed_qos_profile {
            q.emit(w);
        }
        if let Some(a) = &self.ambr {
            a.emit(w);
        }
        w.end_group(g);
    }
}

/// APN-Configuration-Profile (§7.3.34).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApnConfigurationProfile<'a> {
    /// Context-Identifier of the default APN.
    pub context_identifier: u32,
    /// All-APN-Configurations-Included-Indicator.
    pub all_apn_configurations_included_indicator: u32,
    /// APN-Configuration, one or more.
    pub apn_configurations: Repeated<'a, ApnConfiguration<'a>>,
}

impl<'a> ApnConfigurationProfile<'a> {
    fn parse(a: &Avp<'a>) -> Result<Self, Error> {
        let (mut ctx, mut all) = (None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::CONTEXT_IDENTIFIER => ctx = Some(i.u32()?),
                avp::ALL_APN_CONFIGURATIONS_INCLUDED_INDICATOR => all = Some(i.u32()?),
                _ => {}
            }
        }
        let apns = Repeated::parse(a.group(), avp::APN_CONFIGURATION)?;
        if apns.is_empty() {
            required(None::<()>, avp::APN_CONFIGURATION)?;
        }
        Ok(ApnConfigurationProfile {
            context_identifier: required(ctx, avp::CONTEXT_IDENTIFIER)?,
            all_apn_configurations_included_indicator: required(
                all,
                avp::ALL_APN_CONFIGURATIONS_INCLUDED_INDICATOR,
            )?,
            apn_configurations: apns,
        })
    }

    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::APN_CONFIGURATION_PROFILE);
        w.avp_u32(avp::CONTEXT_IDENTIFIER, self.context_identifier);
        w.avp_u32(
            avp::ALL_APN_CONFIGURATIONS_INCLUDED_INDICATOR,
            self.all_apn_configurations_included_indicator,
        );
        for apn in self.apn_configurations.iter() {
            apn.emit(w);
        }
        w.end_group(g);
    }
}

/// Subscription-Data (§7.3.2), the subset roamsim models; other members are skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionData<'a> {
    /// Subscriber-Status ([`codes::subscriber_status`](super::codes::subscriber_status)).
    pub subscriber_status: Option<u32>,
    /// MSISDN, TBCD-encoded.
    pub msisdn: Option<&'a [u8]>,
    /// Network-Access-Mode ([`codes::network_access_mode`](super::codes::network_access_mode)).
    pub network_access_mode: Option<u32>,
    /// UE-AMBR.
    pub ambr: Option<Ambr>,
    /// APN-Configuration-Profile.
    pub apn_configuration_profile: Option<ApnConfigurationProfile<'a>>,
}

impl<'a> SubscriptionData<'a> {
    pub(super) fn parse(a: &Avp<'a>) -> Result<Self, Error> {
        let mut d = SubscriptionData {
            subscriber_status: None,
            msisdn: None,
            network_access_mode: None,
            ambr: None,
            apn_configuration_profile: None,
        };
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::SUBSCRIBER_STATUS => d.subscriber_status = Some(i.u32()?),
                avp::MSISDN => d.msisdn = Some(i.data()),
                avp::NETWORK_ACCESS_MODE => d.network_access_mode = Some(i.u32()?),
                avp::AMBR => d.ambr = Some(Ambr::parse(&i)?),
                avp::APN_CONFIGURATION_PROFILE => {
                    d.apn_configuration_profile = Some(ApnConfigurationProfile::parse(&i)?)
                }
                _ => {}
            }
        }
        Ok(d)
    }

    pub(super) fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::SUBSCRIPTION_DATA);
        if let Some(s) = self.subscriber_status {
            w.avp_u32(avp::SUBSCRIBER_STATUS, s);
        }
        if let Some(m) = self.msisdn {
            w.avp_octets(avp::MSISDN, m);
        }
        if let Some(n) = self.network_access_mode {
            w.avp_u32(avp::NETWORK_ACCESS_MODE, n);
        }
        if let Some(a) = &self.ambr {
            a.emit(w);
        }
        if let Some(p) = &self.apn_configuration_profile {
            p.emit(w);
        }
        w.end_group(g);
    }
}
