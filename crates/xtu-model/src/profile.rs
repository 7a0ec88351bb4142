use serde::{Deserialize, Serialize};

/// The student profile (学生个人信息), as the seed's `student_info.py` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
