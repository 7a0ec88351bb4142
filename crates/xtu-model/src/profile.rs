use serde::{Deserialize, Serialize};

/// The student profile (学生个人信息), as the seed's `student_info.py` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StudentProfile {
    /// 学号.
    pub student_id: String,
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: String,
    /// 出生日期, as the site writes it (normally `YYYY-MM-DD`).
    pub birthday: String,
    /// 入学日期.
    pub entrance_day: String,
    /// 专业, e.g. `通信工程(00837)`.
    pub major: String,
    /// 班级.
    #[serde(rename = "class")]
    pub class_name: String,
    /// 学院.
    pub college: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_to_the_seed_json_byte_for_byte() {
        let profile = StudentProfile {
            student_id: "202205561111".into(),
            name: "张三".into(),
            gender: "男".into(),
            birthday: "2004-01-01".into(),
            entrance_day: "2022-09-01".into(),
            major: "通信工程(00837)".into(),
            class_name: "2022通信工程3班".into(),
            college: "计算机学院●网络空间安全学院".into(),
        };
        // The seed's example, as the upstream prints it (json.dumps, indent 4,
        // ensure_ascii=False): serde_json's pretty printer uses 2 spaces, so
        // compare the compact forms, which fix keys, order and escaping.
        let seed = r#"{"student_id":"202205561111","name":"张三","gender":"男","birthday":"2004-01-01","entrance_day":"2022-09-01","major":"通信工程(00837)","class":"2022通信工程3班","college":"计算机学院●网络空间安全学院"}"#;
        assert_eq!(serde_json::to_string(&profile).ok().as_deref(), Some(seed));
        assert_eq!(
            serde_json::from_str::<StudentProfile>(seed).ok(),
            Some(profile)
        );
    }
}
