use serde::{Deserialize, Serialize};

/// A room from the free-classroom query (查询空闲教室).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Classroom {
    /// Site id (`cd_id`).
    pub id: String,
    /// Room code (`cdbh`).
    pub code: String,
    /// Room name (`cdmc`), e.g. `一教楼-102`: what the seed prints.
    pub name: String,
    /// Room type (`cdlbmc`), e.g. 教室.
    pub category: String,
    /// Building name (`jxlmc`).
    pub building: String,
    /// Building code (`lh`).
    pub building_code: String,
    /// Floor (`lch`).
    pub floor: String,
    /// Campus code (`xqh_id`).
    pub campus_code: String,
    /// Campus name (`xqmc`).
    pub campus: String,
    /// Seats (`zws`).
    pub seats: Option<u32>,
    /// Seats in exams (`kszws1`).
    pub exam_seats: Option<u32>,
}

/// One page of a jqGrid answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClassroomPage {
    /// The rooms on this page.
    pub items: Vec<Classroom>,
    /// 1-based page number.
    pub current_page: u32,
    /// Number of pages.
    pub total_page: u32,
    /// Number of rooms on all pages.
    pub total_result: u32,
}

/// A teaching building (`lhList` of the building list).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Building {
    /// Campus code (`XQH_ID`).
    pub campus_code: String,
    /// Building code (`JXLDM`), the `lh` filter of the classroom query.
    pub code: String,
    /// Building name (`JXLMC`).
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_english_and_missing_seats_are_null() {
        let room = Classroom {
            name: "一教楼-102".into(),
            seats: Some(120),
            ..Classroom::default()
        };
        let json = serde_json::to_value(&room).expect("serializes");
        let keys: Vec<&str> = json
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for key in [
            "id",
            "code",
            "name",
            "category",
            "building",
            "building_code",
            "floor",
            "campus_code",
            "campus",
            "seats",
            "exam_seats",
        ] {
            assert!(keys.contains(&key), "{key} in {keys:?}");
        }
        assert_eq!(keys.len(), 11);
        assert_eq!(json["exam_seats"], serde_json::Value::Null);
        let building = serde_json::to_string(&Building {
            campus_code: "02".into(),
            code: "101".into(),
            name: "第一教学楼".into(),
        })
        .expect("serializes");
        assert_eq!(
            building,
            r#"{"campus_code":"02","code":"101","name":"第一教学楼"}"#
        );
    }
}
