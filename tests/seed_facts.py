"""What the seed report says, for the tests that check the importer and the draft against it."""

SEED_MEASURES = (
    "提高站位，夯实思想根基",
    "加强培训，增强法治意识",
    "深化改革，力保落实到位",
    "完善制度，促进依法行政",
    "强化巡查，提升执法质量",
    "落实政务服务改革，打造便民便商环境",
    "实行警务公开，增强执法透明度",
    "强化部门联动，打击违法犯罪",
    "加速升级，提高执法场所智能化",
    "推进法治公安建设，提升公安执法规范化",
)
