//! argon2id hashes as PHC strings (`$argon2id$v=19$m=...,t=...,p=1$salt$hash`), computed in working
//! memory the caller lends, so that memory can be reused from one hash to the next.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// A hash of `password` with a fresh random salt, as a PHC string.
pub fn hash(params: &Params, password: &str, memory: &mut Vec<Block>) -> Result<String, String> {
    let mut salt = [0_u8; 16];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut salt).map_err(|error| error.to_string())?;
    let encoded_salt = SaltString::encode_b64(&salt).map_err(|error| error.to_string())?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = derive(&argon2, params, password, &salt, length, memory).map_err(|error| error.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|error| error.to_string())?,
        salt: Some(encoded_salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, with the parameters `stored` names.
pub fn verify(stored: &str, password: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else { return false };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&phc), phc.salt, phc.hash) else { return false };
    let (Ok(algorithm), Ok(version)) =
        (Algorithm::try_from(phc.algorithm), Version::try_from(phc.version.unwrap_or(0x13)))
    else {
        return false;
    };
    let mut salt_buffer = [0_u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else { return false };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    // `Output` compares in constant time.
    derive(&argon2, &params, password, salt, expected.len(), memory).is_ok_and(|computed| computed == expected)
}

fn derive(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &str,
    salt: &[u8],
    length: usize,
    memory: &mut Vec<Block>,
) -> argon2::password_hash::Result<Output> {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    Output::init_with(length, |out| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..]).map_err(Into::into)
    })
}
