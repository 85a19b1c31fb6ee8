//! Building a [`Population`] from a profile: the `[[personas]]`, `[[visited]]` and `[load]`
//! checks that [`Profile::validate`] leaves to this module, then the persona blocks.

use super::*;

/// The `[[visited]]` tables (or one per agreement partner), checked.
fn visited_plmns(profile: &Profile, file: &str) -> Result<Vec<VisitedPlmnConfig>, ConfigError> {
    let visited = profile.visited_plmns();
    if visited.is_empty() {
        return Err(invalid(
            file,
            "visited".into(),
            "no visited PLMN: add [[visited]] tables or roaming agreements".into(),
        ));
    }
    if visited.len() > u8::MAX as usize {
        return Err(invalid(
            file,
            "visited".into(),
            format!("{} visited PLMNs; at most 255", visited.len()),
        ));
    }
    for (i, v) in visited.iter().enumerate() {
        if visited[..i].iter().any(|o| o.plmn == v.plmn) {
            return Err(invalid(
                file,
                format!("visited[{i}].plmn"),
                format!("{} listed twice", v.plmn),
            ));
        }
        if !(v.weight.is_finite() && v.weight >= 0.0) {
            return Err(invalid(
                file,
                format!("visited[{i}].weight"),
                format!("{} is not a non-negative number", v.weight),
            ));
        }
        if let Some(core) = v.mme_plmn {
            let ok = visited
                .iter()
                .any(|o| o.plmn == core && o.plmn != v.plmn && o.mme_plmn.is_none());
            if !ok {
                return Err(invalid(
                    file,
                    format!("visited[{i}].mme_plmn"),
                    format!("{core} is not another [[visited]] PLMN with its own MME pool"),
                ));
            }
        }
        if v.mme_instances == 0 {
            return Err(invalid(
                file,
                format!("visited[{i}].mme_instances"),
                "must be at least 1".into(),
            ));
        }
    }
    Ok(visited)
}

/// Checks each persona and resolves its visited PLMNs to cumulative weights.
fn persona_tables(
    personas: &[PersonaConfig],
    visited: &[VisitedPlmnConfig],
    file: &str,
) -> Result<Vec<Vec<(u8, f64)>>, ConfigError> {
    if personas.len() > u8::MAX as usize {
        return Err(invalid(file, "personas".into(), "at most 255".into()));
    }
    let mut tables = Vec::with_capacity(personas.len());
    for (i, p) in personas.iter().enumerate() {
        let at = format!("personas[{i}]");
        p.check().map_err(|m| invalid(file, at.clone(), m))?;
        if personas[..i].iter().any(|o| o.name == p.name) {
            return Err(invalid(
                file,
                format!("{at}.name"),
                format!("`{}` named twice", p.name),
            ));
        }
        let mut table = Vec::new();
        let mut acc = 0.0;
        if p.visited.is_empty() {
            for (j, v) in visited.iter().enumerate().filter(|(_, v)| v.weight > 0.0) {
                acc += v.weight;
                table.push((j as u8, acc));
            }
        } else {
            for plmn in &p.visited {
                let Some(j) = visited.iter().position(|v| v.plmn == *plmn) else {
                    return Err(invalid(
                        file,
                        format!("{at}.visited"),
                        format!("{plmn} is not a [[visited]] PLMN"),
                    ));
                };
                acc += if visited[j].weight > 0.0 {
                    visited[j].weight
                } else {
                    1.0
                };
                table.push((j as u8, acc));
            }
        }
        if table.is_empty() {
            return Err(invalid(
                file,
                format!("{at}.visited"),
                "no visited PLMN with a weight above 0".into(),
            ));
        }
        tables.push(table);
    }
    Ok(tables)
}

/// Roamers per persona by the largest-remainder method, so the counts add up to `size`.
fn counts(personas: &[PersonaConfig], size: u32) -> Vec<u32> {
    let total: f64 = personas.iter().map(|p| p.share).sum();
    let exact: Vec<f64> = personas
        .iter()
        .map(|p| p.share / total * size as f64)
        .collect();
    let mut counts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut left = size - counts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..personas.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        if personas[i].share > 0.0 {
            counts[i] += 1;
            left -= 1;
        }
    }
    counts
}

/// The population size, checked against what is provisioned and what the unknown-IMSI block
/// needs.
fn size(
    profile: &Profile,
    file: &str,
    requested: Option<u64>,
    personas: &[PersonaConfig],
    directory: &Directory,
) -> Result<u32, ConfigError> {
    let provisioned = directory.len() as u64;
    let size = requested
        .or((profile.load.population > 0).then_some(profile.load.population))
        .unwrap_or(provisioned);
    let field = || "load.population".to_string();
    if size == 0 || size > (u32::MAX / 2) as u64 {
        return Err(invalid(
            file,
            field(),
            format!("{size} roamers: expected 1 to {}", u32::MAX / 2),
        ));
    }
    let needs_provisioned = personas
        .iter()
        .any(|p| p.share > 0.0 && p.anomaly != Some(Anomaly::UnknownImsi));
    if needs_provisioned && size > provisioned {
        let source = match directory.file_name() {
            Some(f) => format!("subscribers in {f}"),
            None => "provisioned subscribers (home.plmns ranges)".to_string(),
        };
        return Err(invalid(
            file,
            field(),
            format!("{size} roamers but only {provisioned} {source}"),
        ));
    }
    if personas
        .iter()
        .any(|p| p.share > 0.0 && p.anomaly == Some(Anomaly::UnknownImsi))
    {
        let plmn = profile.home.plmns[0].plmn;
        let hi = Imsi::from_plmn_msin(plmn, top_msin(plmn)).expect("15 digits");
        let lo = Imsi::new(hi.value() - (size - 1), 15).expect("below a 15-digit IMSI");
        if directory.any_imsi_between(lo, hi) {
            return Err(invalid(
                file,
                field(),
                format!("the unknown-IMSI block of {plmn} (the top {size} MSINs, {lo} to {hi}) holds provisioned subscribers"),
            ));
        }
    }
    Ok(size as u32)
}

/// Personas when the directory pins some: pinned roamers keep theirs, and the shares split the
/// others (by a seeded permutation of them, as without pins). Returns the counts and the table.
fn assign(
    configs: &[PersonaConfig],
    directory: &Directory,
    size: u32,
    seed: u64,
) -> (Vec<u32>, Assigned) {
    let mut persona = vec![u8::MAX; size as usize];
    let mut pinned = vec![0u32; configs.len()];
    for (i, slot) in persona.iter_mut().enumerate() {
        if let Some(p) = directory
            .get(SubscriberId(i as u32))
            .and_then(|s| s.persona)
        {
            *slot = p;
            pinned[p as usize] += 1;
        }
    }
    let free = size - pinned.iter().sum::<u32>();
    let free_counts = counts(configs, free);
    let shuffle = Shuffle::new(free as u64, derive_seed(seed, 0x5045_5253));
    for (rank, slot) in persona.iter_mut().filter(|p| **p == u8::MAX).enumerate() {
        let mut x = shuffle.forward(rank as u64) as u32;
        let mut p = 0;
        while x >= free_counts[p] {
            x -= free_counts[p];
            p += 1;
        }
        *slot = p as u8;
    }
    let mut members = vec![Vec::new(); configs.len()];
    for (i, &p) in persona.iter().enumerate() {
        members[p as usize].push(i as u32);
    }
    let counts = pinned
        .iter()
        .zip(&free_counts)
        .map(|(a, b)| a + b)
        .collect();
    (counts, Assigned { persona, members })
}

pub(super) fn build(
    profile: &Profile,
    directory: Directory,
    file: &str,
    requested: Option<u64>,
) -> Result<Population, ConfigError> {
    let configs = profile.persona_configs();
    let visited = visited_plmns(profile, file)?;
    let tables = persona_tables(&configs, &visited, file)?;
    if configs.iter().map(|p| p.share).sum::<f64>() <= 0.0 {
        return Err(invalid(
            file,
            "personas".into(),
            "shares add up to 0".into(),
        ));
    }
    let size = size(profile, file, requested, &configs, &directory)?;
    let (counts, assigned) = if directory.has_pins() {
        let (c, a) = assign(&configs, &directory, size, profile.seed);
        (c, Some(a))
    } else {
        (counts(&configs, size), None)
    };
    let mut personas = Vec::with_capacity(configs.len());
    let mut arrival_weights = Vec::with_capacity(configs.len());
    let (mut first, mut acc) = (0u32, 0.0);
    for ((config, count), visited) in configs.into_iter().zip(counts).zip(tables) {
        let r = config.rates();
        let mut wishes = [0.0; 4];
        let mut c = 0.0;
        for (w, x) in wishes.iter_mut().zip(r) {
            c += x;
            *w = c;
        }
        acc += count as f64 * config.rate_per_hour();
        arrival_weights.push(acc);
        personas.push(Persona {
            config,
            count,
            first,
            visited,
            wishes,
        });
        first += count;
    }
    Ok(Population {
        seed: profile.seed,
        size,
        shuffle: Shuffle::new(size as u64, derive_seed(profile.seed, 0x5045_5253)),
        assigned,
        personas,
        arrival_weights,
        visited,
        pins: directory.has_pins(),
        directory,
        unknown_plmn: profile.home.plmns[0].plmn,
    })
}
