#!/usr/bin/env python3
"""Writes the degree-audit and programme-plan fixtures (fixtures/ems/progress*,
plan*, majors.json) and the fake's course lists
(crates/xtu-fake/src/audit_courses.json) from one description of a demo
student, so that the index page's credits and the course lists agree.

The markup follows what public captures of ZhengFang V9's 学业情况 page show
(docs/protocol.md §5.12): inline scripts building one block per category as
string concatenations, each category in several variants. Run from the
repository root: python3 scripts/audit_fixtures.py
"""
import json
import random

STUDENT = "202205561111"  # xtu_ems::scrub::STUDENT_ID

# (id, parent, name, required, earned, leaf, courses)
# course: (code, name, credits, XDZT, score, grade point, year, term, nature, kind)
P, F, R, N = "4", "2", "1", "3"  # passed, failed, in progress (在修), not taken
TREE = [
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60701", "", "通识教育", "40", "31.5", "0", []),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60702", "6A0E1F3C2B9D4E5FA1B2C3D4E5F60701", "思想政治理论", "16", "16.0", "1", [
        ("1101001", "思想道德与法治", "3.0", P, "86", "3.6", "2022-2023", "1", "必修", "通识教育"),
        ("1101002", "中国近现代史纲要", "3.0", P, "90", "4.0", "2022-2023", "2", "必修", "通识教育"),
        ("1101003", "马克思主义基本原理", "3.0", P, "82", "3.2", "2023-2024", "1", "必修", "通识教育"),
        ("1101004", "毛泽东思想和中国特色社会主义理论体系概论", "5.0", P, "78", "2.8", "2023-2024", "2", "必修", "通识教育"),
        ("1101005", "形势与政策", "2.0", P, "优秀", "4.5", "2023-2024", "2", "必修", "通识教育"),
    ]),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60703", "6A0E1F3C2B9D4E5FA1B2C3D4E5F60701", "大学英语", "12", "8.0", "1", [
        ("1201001", "大学英语(1)", "4.0", P, "75", "2.5", "2022-2023", "1", "必修", "通识教育"),
        ("1201002", "大学英语(2)", "4.0", P, "80", "3.0", "2022-2023", "2", "必修", "通识教育"),
        ("1201003", "大学英语(3)", "2.0", R, "", "", "2025-2026", "1", "必修", "通识教育"),
        ("1201004", "大学英语(4)", "2.0", N, "", "", "2025-2026", "2", "必修", "通识教育"),
    ]),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60704", "6A0E1F3C2B9D4E5FA1B2C3D4E5F60701", "通识选修", "10", "7.5", "1", [
        ("1901011", "音乐鉴赏", "2.0", P, "良好", "3.5", "2022-2023", "2", "选修", "通识选修"),
        ("1901012", "创新思维训练", "1.5", P, "88", "3.8", "2023-2024", "1", "选修", "通识选修"),
        ("1901013", "大学生心理健康", "2.0", P, "合格", "3.0", "2022-2023", "1", "选修", "通识选修"),
        ("1901014", "中国哲学智慧", "2.0", P, "91", "4.1", "2024-2025", "1", "选修", "通识选修"),
    ]),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60705", "", "学科基础", "27.5", "20.5", "1", [
        ("2101001", "高等数学A(1)", "5.5", P, "81", "3.1", "2022-2023", "1", "必修", "学科基础"),
        ("2101002", "高等数学A(2)", "5.5", P, "77", "2.7", "2022-2023", "2", "必修", "学科基础"),
        ("2101003", "线性代数", "3.0", P, "85", "3.5", "2022-2023", "2", "必修", "学科基础"),
        ("2101004", "大学物理", "4.0", F, "52", "0", "2023-2024", "1", "必修", "学科基础"),
        ("2521100a", "程序设计基础", "3.5", P, "93", "4.3", "2022-2023", "1", "必修", "学科基础"),
        ("2521101", "离散数学", "3.0", P, "79", "2.9", "2023-2024", "1", "必修", "学科基础"),
        ("2101005", "概率论与数理统计", "3.0", R, "", "", "2025-2026", "1", "必修", "学科基础"),
    ]),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60706", "", "专业教育", "60", "21.0", "0", []),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60707", "6A0E1F3C2B9D4E5FA1B2C3D4E5F60706", "专业核心", "30", "15.0", "1", [
        ("2521201", "数据结构", "4.0", P, "88", "3.8", "2023-2024", "1", "必修", "专业核心"),
        ("2521202", "计算机组成原理", "4.0", P, "76", "2.6", "2023-2024", "2", "必修", "专业核心"),
        ("2521203", "操作系统", "4.0", R, "", "", "2025-2026", "1", "必修", "专业核心"),
        ("2521204", "计算机网络", "3.0", N, "", "", "2025-2026", "2", "必修", "专业核心"),
        ("2521205", "数据库系统原理", "3.0", P, "84", "3.4", "2024-2025", "1", "必修", "专业核心"),
        ("2521206", "编译原理", "4.0", N, "", "", "2025-2026", "2", "必修", "专业核心"),
        ("2521207", "算法设计与分析", "4.0", P, "90", "4.0", "2024-2025", "2", "必修", "专业核心"),
    ]),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60708", "6A0E1F3C2B9D4E5FA1B2C3D4E5F60706", "专业选修", "20", "6.0", "1", [
        ("2522301", "机器学习", "3.0", P, "87", "3.7", "2024-2025", "2", "选修", "专业选修"),
        ("2522302", "软件工程", "3.0", P, "81", "3.1", "2024-2025", "1", "选修", "专业选修"),
        ("2522303", "人工智能导论", "2.0", R, "", "", "2025-2026", "1", "选修", "专业选修"),
        ("2522304", "分布式系统", "2.0", N, "", "", "2025-2026", "2", "选修", "专业选修"),
    ]),
    ("6A0E1F3C2B9D4E5FA1B2C3D4E5F60709", "6A0E1F3C2B9D4E5FA1B2C3D4E5F60706", "集中实践", "10", "0", "1", [
        ("2523401", "生产实习", "2.0", N, "", "", "2025-2026", "2", "必修", "集中实践"),
        ("2523402", "毕业设计(论文)", "8.0", N, "", "", "2025-2026", "2", "必修", "集中实践"),
    ]),
    ("qtkcxfyq", "", "其他课程", "", "", "1", []),
    ("cxcyqkxfyq", "", "创新创业", "", "", "1", [
        ("9901001", "创新创业实践", "2.0", P, "合格", "", "2024-2025", "1", "选修", "创新创业"),
    ]),
]
OUTSIDE = [("3301001", "日语入门", "2.0", P, "83", "3.3", "2023-2024", "2", "任选", "计划外")]
GPA = "3.12"


def rows(courses, lower=False):
    out = []
    for code, name, credits, xdzt, score, jd, year, term, nature, kind in courses:
        row = {
            "KCH": code, "KCH_ID": code, "KCMC": name, "XF": credits, "XDZT": xdzt,
            "CJ": score, "MAXCJ": score, "JD": jd, "JYXDXNM": year[:4], "JYXDXNMC": year,
            "JYXDXQMC": term, "KCXZMC": nature, "KCLBMC": kind, "XFYQJD_ID": "",
            "XH_ID": STUDENT,
        }
        if lower:
            row = {k.lower(): v for k, v in row.items()}
        out.append(row)
    return out


def block(node, variants=2):
    cid, parent, name, required, earned, leaf, _ = node
    missing = ""
    if required and earned:
        missing = f"{max(float(required) - float(earned), 0):g}"
    lines = [
        f"\t\t// {name}",
        f"\t\thtml += \"<li class='media' xfyqjd_id='{cid}' fxfyqjd_id='{parent}' sfmjd='{leaf}' "
        f"jdkcsx='1' yxxf='{earned}' yqzdxf='{required}' sftg='{'1' if missing == '0' else '0'}' "
        f"yqzdms='' xfyqjdmc='{name}'>\";",
        "\t\thtml += \"<div class='media-body'><h5 class='media-heading'>" + name
        + "&nbsp;&nbsp;\" + $.i18n.get('yqxf') + \":<font color='blue'>" + required
        + "</font>&nbsp;\" + $.i18n.get('hdxf') + \":<font color='green'>" + earned
        + "</font>&nbsp;\" + $.i18n.get('whdxf') + \":<font color='red'>" + missing + "</font></h5>\";",
        f"\t\thtml += \"<span id='showKc{cid}'></span></div></li>\";",
    ]
    if variants > 1:
        # The same category again, as the page's narrow layout writes it.
        lines.append(
            f"\t\tsm += \"<div class=\\\"panel panel-default\\\" xfyqjd_id=\\\"{cid}\\\" "
            f"fxfyqjd_id=\\\"{parent}\\\" yxxf=\\\"{earned}\\\" yqzdxf=\\\"{required}\\\">\";"
        )
    if variants > 2:
        lines.append(
            f"\t\tsm += \"<a href='javascript:void(0);' xfyqjd_id='{cid}' "
            f"onclick='showKc(this)'>\" + $.i18n.get('ckkc') + \"</a>\";"
        )
    return "\n".join(lines)


def page(tree, counts, noise=""):
    planned, passed, failed, not_taken, in_progress, out_passed, out_failed = counts
    blocks = "\n".join(block(node, 3 if i % 2 else 2) for i, node in enumerate(tree))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>学业情况查询</title>
<link rel="stylesheet" href="/jwglxt/css/bootstrap.min.css">
<script type="text/javascript" src="/jwglxt/js/jquery.min.js"></script>
<script type="text/javascript">
	var _systemPath = "/jwglxt";
	jQuery(function($) {{ $.i18n.load({{ lang: "zh_CN" }}); }});
{noise}</script>
</head>
<body>
<div class="container">
	<form id="form" name="form" method="post" class="form-horizontal">
		<input type="hidden" id="xh_id" name="xh_id" value="{STUDENT}"/>
		<input type="hidden" id="gnmkdm" name="gnmkdm" value="N105515"/>
	</form>
	<div class="alert alert-info" id="alertBox">
		<span>计划总课程&nbsp;<font color="blue">{planned}</font>&nbsp;门，通过&nbsp;<font color="green">{passed}</font>&nbsp;门，未通过&nbsp;<font color="red">{failed}</font>&nbsp;门，未修&nbsp;<font>{not_taken}</font>&nbsp;门，在读&nbsp;<font>{in_progress}</font>&nbsp;门；
		计划外：通过&nbsp;<font color="green">{out_passed}</font>&nbsp;门，未通过&nbsp;<font color="red">{out_failed}</font>&nbsp;门。</span>
		<span>平均学分绩点(GPA)：<font size="2px">{GPA}</font></span>
	</div>
	<ul class="media-list" id="xfyqTree"></ul>
</div>
<script type="text/javascript">
	jQuery(function($) {{
		var html = "";
		var sm = "";
{blocks}
		$("#xfyqTree").html(html);
		$("#xfyqTreeSm").html(sm);
	}});
	function showKc(obj) {{
		var xfyqjd_id = $(obj).attr("xfyqjd_id");
		$.post(_path + "/xsxy/xsxyqk_cxJxzxjhxfyqKcxx.html?gnmkdm=N105515", {{ xfyqjd_id: xfyqjd_id, xh_id: $("#xh_id").val(), fromXh_id: "" }}, function(data) {{
			if (!data) {{ alert("出错啦！系统运行异常"); }}
		}}, "json");
	}}
</script>
</body>
</html>
"""


def counts(tree, outside):
    all_courses = [c for node in tree for c in node[6]]
    by = lambda code, courses: sum(1 for c in courses if c[3] == code)
    return (len(all_courses), by(P, all_courses), by(F, all_courses), by(N, all_courses),
            by(R, all_courses), by(P, outside), by(F, outside))


def check(tree):
    """The demo's numbers add up: a leaf's earned credits are its passed
    courses' credits."""
    for cid, _, name, _, earned, leaf, courses in tree:
        if leaf == "1" and earned:
            got = sum(float(c[2]) for c in courses if c[3] == P)
            assert abs(got - float(earned)) < 1e-9, (name, got, earned)


def large_tree():
    """A tree the size of a real one (hundreds of entries, as a 773 KB page
    holds): the demo's, then many more nested categories."""
    rnd = random.Random(27)
    tree = list(TREE)
    for top in range(12):
        top_id = f"7B{top:02X}" + "C0FFEE" * 4 + "00"
        tree.append((top_id, "", f"专业方向模块{top + 1}", f"{rnd.randint(8, 30)}", "0", "0", []))
        for child in range(14):
            cid = f"7B{top:02X}{child:02X}" + "BEEF" * 6 + "01"
            req = f"{rnd.choice([2, 3, 4, 5.5, 6, 8])}"
            tree.append((cid, top_id, f"方向{top + 1}课组{child + 1}", req, "0", "1", []))
    return tree


def noise(kb):
    """The i18n tables and helpers a real page inlines, to the page's size."""
    keys = []
    i = 0
    while sum(len(k) for k in keys) < kb * 1024:
        keys.append(f'\t$.i18n.map["jwglxt.xsxy.msg{i:05d}"] = "学业情况提示信息第{i}条：请核对培养方案与修读情况";\n')
        i += 1
    return "".join(keys)


def main():
    check(TREE)
    c = counts(TREE, OUTSIDE)
    with open("fixtures/ems/progress.html", "w", encoding="utf-8") as f:
        f.write(page(TREE, c))
    with open("fixtures/ems/progress.large.html", "w", encoding="utf-8") as f:
        f.write(page(large_tree(), c, noise(330)))
    leaves = {node[0]: rows(node[6]) for node in TREE if node[5] == "1"}
    leaves["outside"] = rows(OUTSIDE)
    with open("crates/xtu-fake/src/audit_courses.json", "w", encoding="utf-8") as f:
        json.dump(leaves, f, ensure_ascii=False, indent=1)
        f.write("\n")
    subject = next(node for node in TREE if node[2] == "学科基础")
    with open("fixtures/ems/progress-courses.json", "w", encoding="utf-8") as f:
        json.dump(rows(subject[6]), f, ensure_ascii=False)
    english = next(node for node in TREE if node[2] == "大学英语")
    with open("fixtures/ems/progress-courses.lower-case.json", "w", encoding="utf-8") as f:
        json.dump(rows(english[6], lower=True), f, ensure_ascii=False)
    with open("fixtures/ems/progress-outside-plan.json", "w", encoding="utf-8") as f:
        json.dump(rows(OUTSIDE), f, ensure_ascii=False)


COLLEGE = ("05", "计算机学院·网络空间安全学院")
MAJOR = ("0501", "计算机科学与技术")
OTHER_MAJOR = ("0502", "软件工程")
GRADE = "2022"
PLAN_ID = "C3A1F0E2D4B5467890ABCDEF12345678"


def plan_rows():
    """The demo's plan: every course of the audit's tree, as the plan's
    course list answers (lower-case keys, numbers and strings mixed, the
    string "null", keys on some items only)."""
    out = []
    for node in TREE:
        for i, (code, name, credits, _, _, _, year, term, nature, _) in enumerate(node[6]):
            row = {
                "kch": code, "kch_id": code, "kcmc": name,
                "xf": credits if i % 2 else float(credits),
                "kcxzmc": nature, "xfyqjdmc": node[2],
                "jyxdxnm": year, "jyxdxqm": term,
                "khfsdm": "01" if nature == "必修" else "02",
                "zxs": int(float(credits) * 16), "jxzxjhxx_id": PLAN_ID,
            }
            if nature == "必修":
                row["khfsmc"] = "考试"
            elif i % 3 == 0:
                row["khfsmc"] = "null"
            else:
                row["khfsmc"] = "考查"
            out.append(row)
    return out


def grid(items, page=1, total_pages=1):
    return {"currentPage": page, "currentResult": 0, "entityOrField": False,
            "items": items, "limit": 15, "offset": 0, "pageNo": 0, "pageSize": 15,
            "showCount": 15, "sortName": " ", "sortOrder": " ", "sorts": [],
            "totalCount": len(items), "totalPage": total_pages, "totalResult": len(items)}


def plan_page():
    def select(name, label, options, chosen):
        chosen_mark = ' selected="selected"'
        opts = "".join(
            f'<option value="{code}"{chosen_mark if code == chosen else ""}>{text}</option>'
            for code, text in options)
        return (f'<div class="form-group"><label class="control-label col-sm-4">{label}</label>'
                f'<div class="col-sm-8"><select name="{name}" id="{name}_cx" class="form-control chosen-select">'
                f'<option value="">全部</option>{opts}</select></div></div>')
    colleges = [("01", "马克思主义学院"), COLLEGE, ("07", "数学与计算科学学院")]
    grades = [(str(y), str(y)) for y in range(2019, 2026)]
    majors = [MAJOR, OTHER_MAJOR]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>培养方案查询</title>
<script type="text/javascript" src="/jwglxt/js/jquery.min.js"></script></head>
<body>
<form id="searchForm" class="form-horizontal" role="form">
{select("jg_id", "学院", colleges, COLLEGE[0])}
{select("njdm_id", "年级", grades, GRADE)}
{select("zyh_id", "专业", majors, MAJOR[0])}
<button type="button" class="btn btn-primary" id="search_go">查询</button>
</form>
<table id="tabGrid"></table>
</body>
</html>
"""


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
        f.write("\n")


def plan_fixtures():
    items = plan_rows()
    write_json("fixtures/ems/plan.json", grid(items))
    strings = [dict(row) for row in items[:4]]
    strings[0]["xf"] = "null"
    strings[1].pop("jyxdxnm")
    strings[2]["kcmc"] = "  数据结构  "
    strings[3] = {k.upper(): v for k, v in strings[3].items()}
    write_json("fixtures/ems/plan.mixed.json", {**grid(strings), "totalPage": "1", "currentPage": "1"})
    write_json("fixtures/ems/plan.missing-items.json", {"totalPage": 1})
    with open("fixtures/ems/plan-page.html", "w", encoding="utf-8") as f:
        f.write(plan_page())
    query = [{"jxzxjhxx_id": PLAN_ID, "jg_id": COLLEGE[0], "jgmc": COLLEGE[1], "zyh_id": MAJOR[0],
              "zymc": MAJOR[1], "njdm_id": GRADE, "njmc": GRADE, "zyfxmc": "无方向", "xz": "4",
              "zdxf": 159, "yxxf": "null"}]
    write_json("fixtures/ems/plan-query.json", grid(query))
    write_json("fixtures/ems/majors.json",
               [{"zyh_id": MAJOR[0], "zyh": MAJOR[0], "zymc": MAJOR[1]},
                {"zyh_id": OTHER_MAJOR[0], "zyh": OTHER_MAJOR[0], "zymc": OTHER_MAJOR[1]}])


if __name__ == "__main__":
    plan_fixtures()
    main()
