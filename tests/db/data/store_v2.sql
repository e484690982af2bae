-- Record store schema version 2 as written by hdr_db at commit aad39ef plus the fixture generator
-- (the skipped test case 'generate the schema fixture' in store_open_test.cpp, dumped with
-- sqlite3 .dump). Historical: never edit; the fixture test opens it with the current code and
-- the next version's migration test starts from it.
PRAGMA application_id=1212437041;
PRAGMA user_version=2;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE store_info (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO store_info VALUES('migrated_to_v2_at','2026-11-27T08:23:00.951Z');
INSERT INTO store_info VALUES('created_at','2026-11-27T08:23:00.960Z');
INSERT INTO store_info VALUES('audit_head_seq','28');
INSERT INTO store_info VALUES('audit_head_hash','13db6fd71409db84b918a8fc36afe9c8c92b0fbf7a83e70030041e12beb5f028');
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL CHECK (role IN ('admin','physician','physicist','therapist')),
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
INSERT INTO users VALUES(1,'alice','admin','$argon2id$v=19$m=8,t=1,p=1$dFtn9nKj2HQiMrBgsagYbg$6C6AYLEJc/SZqa5OFkd68+pwyx63mIWZwUJ26LoddaA','2026-11-27T08:23:00.960Z');
INSERT INTO users VALUES(2,'paula','physician','$argon2id$v=19$m=8,t=1,p=1$0rEHEBzeePJqC0Rx2X5l2w$PxF9/R0XWq28vgk9CHxmOEmfV1GvctlcEAu60PyjRbI','2026-11-27T08:23:00.993Z');
INSERT INTO users VALUES(3,'phil','physicist','$argon2id$v=19$m=8,t=1,p=1$GKzM6miIh5Vtcy3IcqTZgA$oyNaHy+tc0yEtLH3L0IESCnov8VN1p4zAwxUIYTEhF0','2026-11-27T08:23:00.996Z');
INSERT INTO users VALUES(4,'tom','therapist','$argon2id$v=19$m=8,t=1,p=1$m6hNOWn0JQwZphkKBoa1NQ$1uZItLQER3Wq66qpAmXlSZ7QdaYVgVsySRYl6JXJY0U','2026-11-27T08:23:01.000Z');
CREATE TABLE patients (
  id         INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
INSERT INTO patients VALUES(1,'P1','2026-11-27T08:23:01.007Z');
CREATE TABLE plans (
  id                          INTEGER PRIMARY KEY,
  patient                     INTEGER NOT NULL REFERENCES patients(id),
  case_id                     TEXT NOT NULL,
  source_model                TEXT NOT NULL,
  source_air_kerma_strength_U REAL NOT NULL,
  source_reference_time       TEXT,
  prescription_dose_Gy        REAL NOT NULL,
  prescription_fractions      INTEGER NOT NULL,
  metrics_json                TEXT NOT NULL,
  timing_ms_json              TEXT NOT NULL,
  extra_json                  TEXT NOT NULL,
  content_hash                TEXT NOT NULL,
  imported_by                 INTEGER NOT NULL REFERENCES users(id),
  imported_at                 TEXT NOT NULL
, case_ref INTEGER REFERENCES cases(id));
INSERT INTO plans VALUES(1,1,'case-07','mHDR-v2',40700.0,'2026-11-27T08:00:00Z',15.0,1,'{"prostate":{"V100_pct":95.5},"urethra":{"D10_Gy":16.2}}','{"total":123.0}','{}','9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7',2,'2026-11-27T08:23:01.007Z',NULL);
INSERT INTO plans VALUES(2,1,'case-07','mHDR-v2',40700.0,'2026-11-27T08:00:00Z',15.0,1,'{"prostate":{"V100_pct":95.5},"urethra":{"D10_Gy":16.2}}','{"total":123.0}','{}','9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7',2,'2026-11-27T08:23:01.106Z',1);
CREATE TABLE plan_dwells (
  plan        INTEGER NOT NULL REFERENCES plans(id),
  dwell_index INTEGER NOT NULL,
  catheter    INTEGER NOT NULL,
  x_mm        REAL NOT NULL,
  y_mm        REAL NOT NULL,
  z_mm        REAL NOT NULL,
  direction_x REAL NOT NULL,
  direction_y REAL NOT NULL,
  direction_z REAL NOT NULL,
  time_s      REAL NOT NULL,
  PRIMARY KEY (plan, dwell_index)
);
INSERT INTO plan_dwells VALUES(1,0,1,-5.0,10.0,20.0,0.0,0.0,1.0,3.2000000000000001776);
INSERT INTO plan_dwells VALUES(1,1,1,-5.0,10.0,25.0,0.0,0.0,1.0,4.5);
INSERT INTO plan_dwells VALUES(1,2,1,-5.0,10.0,30.0,0.0,0.0,1.0,0.0);
INSERT INTO plan_dwells VALUES(1,3,2,5.0,10.0,20.0,0.0,0.0,1.0,2.1000000000000000888);
INSERT INTO plan_dwells VALUES(1,4,2,5.0,10.0,25.0,0.0,0.0,1.0,6.0);
INSERT INTO plan_dwells VALUES(1,5,2,5.0,10.0,30.0,0.0,0.0,1.0,1.3000000000000000444);
INSERT INTO plan_dwells VALUES(2,0,1,-5.0,10.0,20.0,0.0,0.0,1.0,3.2000000000000001776);
INSERT INTO plan_dwells VALUES(2,1,1,-5.0,10.0,25.0,0.0,0.0,1.0,4.5);
INSERT INTO plan_dwells VALUES(2,2,1,-5.0,10.0,30.0,0.0,0.0,1.0,0.0);
INSERT INTO plan_dwells VALUES(2,3,2,5.0,10.0,20.0,0.0,0.0,1.0,2.1000000000000000888);
INSERT INTO plan_dwells VALUES(2,4,2,5.0,10.0,25.0,0.0,0.0,1.0,6.0);
INSERT INTO plan_dwells VALUES(2,5,2,5.0,10.0,30.0,0.0,0.0,1.0,1.3000000000000000444);
CREATE TABLE approvals (
  id          INTEGER PRIMARY KEY,
  plan        INTEGER NOT NULL REFERENCES plans(id),
  user        INTEGER NOT NULL REFERENCES users(id),
  role        TEXT NOT NULL CHECK (role IN ('physician','physicist')),
  approved_at TEXT NOT NULL,
  plan_hash   TEXT NOT NULL,
  UNIQUE (plan, role)
);
INSERT INTO approvals VALUES(1,1,2,'physician','2026-11-27T08:23:01.013Z','9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7');
INSERT INTO approvals VALUES(2,1,3,'physicist','2026-11-27T08:23:01.014Z','9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7');
CREATE TABLE sources (
  id             INTEGER PRIMARY KEY,
  model          TEXT NOT NULL,
  serial         TEXT NOT NULL,
  half_life_days REAL NOT NULL,
  created_at     TEXT NOT NULL,
  UNIQUE (model, serial)
);
INSERT INTO sources VALUES(1,'mHDR-v2','D36A-1234',73.826999999999998181,'2026-11-27T08:23:01.015Z');
CREATE TABLE calibrations (
  id                               INTEGER PRIMARY KEY,
  source                           INTEGER NOT NULL REFERENCES sources(id),
  measured_at                      TEXT NOT NULL,
  S_K_U                            REAL NOT NULL,
  certificate_S_K_U                REAL NOT NULL,
  certificate_reference_time       TEXT NOT NULL,
  certificate_S_K_at_measurement_U REAL NOT NULL,
  deviation_pct                    REAL NOT NULL,
  status                           TEXT NOT NULL CHECK (status IN ('pass','warn','fail')),
  accepted                         INTEGER NOT NULL CHECK (accepted IN (0,1)),
  reason                           TEXT NOT NULL,
  measurement_json                 TEXT NOT NULL,
  result_json                      TEXT NOT NULL,
  recorded_by                      INTEGER NOT NULL REFERENCES users(id),
  recorded_at                      TEXT NOT NULL
);
INSERT INTO calibrations VALUES(1,1,'2026-11-27T08:15:00.000Z',41948.900000000001455,44700.0,'2026-11-20T12:00:00.000Z',41918.0,0.073715349014746536782,'pass',1,'','{"format":"hdr-calibration/1"}','{"S_K_U":41948.9}',3,'2026-11-27T08:23:01.015Z');
CREATE TABLE delivery_sessions (
  id                     INTEGER PRIMARY KEY,
  plan                   INTEGER NOT NULL REFERENCES plans(id),
  fraction               INTEGER NOT NULL,
  status                 TEXT NOT NULL CHECK (status IN ('in_progress','interrupted','completed','refused')),
  delivered_by           INTEGER NOT NULL REFERENCES users(id),
  source_model           TEXT NOT NULL,
  source_serial          TEXT NOT NULL,
  sk_used_U              REAL NOT NULL,
  console_started_at     TEXT NOT NULL,
  machine_clock_at_start TEXT,
  ended_at               TEXT
);
INSERT INTO delivery_sessions VALUES(1,1,1,'interrupted',4,'mHDR-v2','D36A-1234',41000.0,'2026-11-27T10:00:00.000Z',NULL,'2026-11-27T10:00:00.000Z');
CREATE TABLE session_dwells (
  id          INTEGER PRIMARY KEY,
  session     INTEGER NOT NULL REFERENCES delivery_sessions(id),
  dwell_index INTEGER NOT NULL,
  planned_s   REAL NOT NULL,
  delivered_s REAL NOT NULL,
  UNIQUE (session, dwell_index)
);
INSERT INTO session_dwells VALUES(1,1,0,3.2000000000000001776,3.2000000000000001776);
INSERT INTO session_dwells VALUES(2,1,1,4.5,4.5);
INSERT INTO session_dwells VALUES(3,1,2,0.0,0.0);
CREATE TABLE interruptions (
  id      INTEGER PRIMARY KEY,
  session INTEGER NOT NULL REFERENCES delivery_sessions(id),
  at      TEXT NOT NULL,
  reason  TEXT NOT NULL
);
INSERT INTO interruptions VALUES(1,1,'2026-11-27T10:00:00.000Z','door opened');
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  user      INTEGER,
  user_name TEXT NOT NULL,
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  content   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
, login_session INTEGER REFERENCES login_sessions(id));
INSERT INTO audit_log VALUES(1,'2026-11-27T08:23:00.961Z',1,'alice','create_store','users',1,'{"created_at":"2026-11-27T08:23:00.960Z","id":1,"name":"alice","password_hash":"$argon2id$v=19$m=8,t=1,p=1$dFtn9nKj2HQiMrBgsagYbg$6C6AYLEJc/SZqa5OFkd68+pwyx63mIWZwUJ26LoddaA","role":"admin"}','0000000000000000000000000000000000000000000000000000000000000000','d82bc1a26829a9385550a9ed466fa05b4cffe414c63b3cbad3d67e4277964b57',NULL);
INSERT INTO audit_log VALUES(2,'2026-11-27T08:23:00.982Z',1,'alice','login','login_sessions',1,'{"ended_at":null,"ended_how":null,"id":1,"started_at":"2026-11-27T08:23:00.982Z","user":1}','d82bc1a26829a9385550a9ed466fa05b4cffe414c63b3cbad3d67e4277964b57','cb215e70d6889e9b9731ea4aded6861a111f75fdf2dee99f9a4aa587222227bf',1);
INSERT INTO audit_log VALUES(3,'2026-11-27T08:23:00.993Z',1,'alice','add_user','users',2,'{"created_at":"2026-11-27T08:23:00.993Z","id":2,"name":"paula","password_hash":"$argon2id$v=19$m=8,t=1,p=1$0rEHEBzeePJqC0Rx2X5l2w$PxF9/R0XWq28vgk9CHxmOEmfV1GvctlcEAu60PyjRbI","role":"physician"}','cb215e70d6889e9b9731ea4aded6861a111f75fdf2dee99f9a4aa587222227bf','217869f2e01434f7893de3696f3af3479e8c356a1d2653df144f82cbeddd18ff',1);
INSERT INTO audit_log VALUES(4,'2026-11-27T08:23:00.996Z',1,'alice','add_user','users',3,'{"created_at":"2026-11-27T08:23:00.996Z","id":3,"name":"phil","password_hash":"$argon2id$v=19$m=8,t=1,p=1$GKzM6miIh5Vtcy3IcqTZgA$oyNaHy+tc0yEtLH3L0IESCnov8VN1p4zAwxUIYTEhF0","role":"physicist"}','217869f2e01434f7893de3696f3af3479e8c356a1d2653df144f82cbeddd18ff','459799816faf669d9229fdfc0b27f974f5e8fb61384e8008352678f0e0549809',1);
INSERT INTO audit_log VALUES(5,'2026-11-27T08:23:01.001Z',1,'alice','add_user','users',4,'{"created_at":"2026-11-27T08:23:01.000Z","id":4,"name":"tom","password_hash":"$argon2id$v=19$m=8,t=1,p=1$m6hNOWn0JQwZphkKBoa1NQ$1uZItLQER3Wq66qpAmXlSZ7QdaYVgVsySRYl6JXJY0U","role":"therapist"}','459799816faf669d9229fdfc0b27f974f5e8fb61384e8008352678f0e0549809','62789e7222a2ecf244811f977fd090cd2d840042f5454ada888905b59e5c8bff',1);
INSERT INTO audit_log VALUES(6,'2026-11-27T08:23:01.005Z',2,'paula','login','login_sessions',2,'{"ended_at":null,"ended_how":null,"id":2,"started_at":"2026-11-27T08:23:01.004Z","user":2}','62789e7222a2ecf244811f977fd090cd2d840042f5454ada888905b59e5c8bff','b9f3394dad92841ba50c46a008c48f198aee669bf0e16d0e2c484176bc3503f8',2);
INSERT INTO audit_log VALUES(7,'2026-11-27T08:23:01.005Z',3,'phil','login','login_sessions',3,'{"ended_at":null,"ended_how":null,"id":3,"started_at":"2026-11-27T08:23:01.005Z","user":3}','b9f3394dad92841ba50c46a008c48f198aee669bf0e16d0e2c484176bc3503f8','b4f13dde3adcaa31ef8cf7e201836192280d7a325ba95083f4a5ee0c1aeb1434',3);
INSERT INTO audit_log VALUES(8,'2026-11-27T08:23:01.006Z',4,'tom','login','login_sessions',4,'{"ended_at":null,"ended_how":null,"id":4,"started_at":"2026-11-27T08:23:01.006Z","user":4}','b4f13dde3adcaa31ef8cf7e201836192280d7a325ba95083f4a5ee0c1aeb1434','5a0a87e484d6e98e0ec1a1537ae238ab610f50a10cce7d2baeaf6c7f95f39b77',4);
INSERT INTO audit_log VALUES(9,'2026-11-27T08:23:01.007Z',2,'paula','add_patient','patients',1,'{"created_at":"2026-11-27T08:23:01.007Z","id":1,"patient_id":"P1"}','5a0a87e484d6e98e0ec1a1537ae238ab610f50a10cce7d2baeaf6c7f95f39b77','6c325c81a522d9ff7169f2e42a5f07a020669036bdc4c51ff165afc13d1bcb02',2);
INSERT INTO audit_log VALUES(10,'2026-11-27T08:23:01.007Z',2,'paula','import_plan','plans',1,'{"case_id":"case-07","case_ref":null,"content_hash":"9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7","dwells":[{"catheter":1,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":0,"time_s":3.2,"x_mm":-5.0,"y_mm":10.0,"z_mm":20.0},{"catheter":1,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":1,"time_s":4.5,"x_mm":-5.0,"y_mm":10.0,"z_mm":25.0},{"catheter":1,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":2,"time_s":0.0,"x_mm":-5.0,"y_mm":10.0,"z_mm":30.0},{"catheter":2,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":3,"time_s":2.1,"x_mm":5.0,"y_mm":10.0,"z_mm":20.0},{"catheter":2,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":4,"time_s":6.0,"x_mm":5.0,"y_mm":10.0,"z_mm":25.0},{"catheter":2,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":5,"time_s":1.3,"x_mm":5.0,"y_mm":10.0,"z_mm":30.0}],"extra_json":"{}","id":1,"imported_at":"2026-11-27T08:23:01.007Z","imported_by":2,"metrics_json":"{\"prostate\":{\"V100_pct\":95.5},\"urethra\":{\"D10_Gy\":16.2}}","patient":1,"prescription_dose_Gy":15.0,"prescription_fractions":1,"source_air_kerma_strength_U":40700.0,"source_model":"mHDR-v2","source_reference_time":"2026-11-27T08:00:00Z","timing_ms_json":"{\"total\":123.0}"}','6c325c81a522d9ff7169f2e42a5f07a020669036bdc4c51ff165afc13d1bcb02','dbb1bfa2dc3e82f95a87f47f420cf8decd1c6792a001475badfe814fa010b49c',2);
INSERT INTO audit_log VALUES(11,'2026-11-27T08:23:01.013Z',2,'paula','approve_plan','approvals',1,'{"approved_at":"2026-11-27T08:23:01.013Z","id":1,"plan":1,"plan_hash":"9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7","role":"physician","user":2}','dbb1bfa2dc3e82f95a87f47f420cf8decd1c6792a001475badfe814fa010b49c','4dcdb4636a5d677c7b276dc1632a319ae08e8a3329a59d812dc8104fdd4ae004',2);
INSERT INTO audit_log VALUES(12,'2026-11-27T08:23:01.014Z',3,'phil','approve_plan','approvals',2,'{"approved_at":"2026-11-27T08:23:01.014Z","id":2,"plan":1,"plan_hash":"9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7","role":"physicist","user":3}','4dcdb4636a5d677c7b276dc1632a319ae08e8a3329a59d812dc8104fdd4ae004','64384231e21fe5627303629df6af576af38fd6c646b025b7fe0308972d9f8dba',3);
INSERT INTO audit_log VALUES(13,'2026-11-27T08:23:01.015Z',3,'phil','add_source','sources',1,'{"created_at":"2026-11-27T08:23:01.015Z","half_life_days":73.827,"id":1,"model":"mHDR-v2","serial":"D36A-1234"}','64384231e21fe5627303629df6af576af38fd6c646b025b7fe0308972d9f8dba','881de77a03b98fd43c4bbfbfeb63eee94ab67ecfd3e8d445b46a289a15584bdf',3);
INSERT INTO audit_log VALUES(14,'2026-11-27T08:23:01.015Z',3,'phil','accept_calibration','calibrations',1,'{"S_K_U":41948.9,"accepted":1,"certificate_S_K_U":44700.0,"certificate_S_K_at_measurement_U":41918.0,"certificate_reference_time":"2026-11-20T12:00:00.000Z","deviation_pct":0.07371534901474654,"id":1,"measured_at":"2026-11-27T08:15:00.000Z","measurement_json":"{\"format\":\"hdr-calibration/1\"}","reason":"","recorded_at":"2026-11-27T08:23:01.015Z","recorded_by":3,"result_json":"{\"S_K_U\":41948.9}","source":1,"status":"pass"}','881de77a03b98fd43c4bbfbfeb63eee94ab67ecfd3e8d445b46a289a15584bdf','2f56e3518e2060358f9f34257863b8af613601b7b839764b4aaa488e91842757',3);
INSERT INTO audit_log VALUES(15,'2026-11-27T08:23:01.021Z',4,'tom','begin_session','delivery_sessions',1,'{"console_started_at":"2026-11-27T10:00:00.000Z","delivered_by":4,"ended_at":null,"fraction":1,"id":1,"machine_clock_at_start":null,"plan":1,"sk_used_U":41000.0,"source_model":"mHDR-v2","source_serial":"D36A-1234","status":"in_progress"}','2f56e3518e2060358f9f34257863b8af613601b7b839764b4aaa488e91842757','37d85095008a62a4383ec3b72ceb63770b42454f2aa4aaccf51d195846a238de',4);
INSERT INTO audit_log VALUES(16,'2026-11-27T08:23:01.033Z',4,'tom','dwell_progress','session_dwells',1,'{"delivered_s":3.2,"dwell_index":0,"id":1,"planned_s":3.2,"session":1}','37d85095008a62a4383ec3b72ceb63770b42454f2aa4aaccf51d195846a238de','dd26439fb5c34cb3cd5680b3c86cec5fb981eee3e6b53dea1dcc368d2cf905c5',4);
INSERT INTO audit_log VALUES(17,'2026-11-27T08:23:01.041Z',4,'tom','dwell_progress','session_dwells',2,'{"delivered_s":4.5,"dwell_index":1,"id":2,"planned_s":4.5,"session":1}','dd26439fb5c34cb3cd5680b3c86cec5fb981eee3e6b53dea1dcc368d2cf905c5','f6f56de24527901d2c1be25bb470953ad3f18f4aba7f90c3e6f2c38c70374611',4);
INSERT INTO audit_log VALUES(18,'2026-11-27T08:23:01.049Z',4,'tom','dwell_progress','session_dwells',3,'{"delivered_s":0.0,"dwell_index":2,"id":3,"planned_s":0.0,"session":1}','f6f56de24527901d2c1be25bb470953ad3f18f4aba7f90c3e6f2c38c70374611','243246b1d71afe00154d80aba2889770c429f2f5b5690b17e1ef661a1ca65b68',4);
INSERT INTO audit_log VALUES(19,'2026-11-27T08:23:01.055Z',4,'tom','interruption','interruptions',1,'{"at":"2026-11-27T10:00:00.000Z","id":1,"reason":"door opened","session":1}','243246b1d71afe00154d80aba2889770c429f2f5b5690b17e1ef661a1ca65b68','5049c4614d11aad81d4baebecc22c3fc67bfeaa47c24394ccc5be5b73aa21e87',4);
INSERT INTO audit_log VALUES(20,'2026-11-27T08:23:01.065Z',4,'tom','session_interrupted','delivery_sessions',1,'{"console_started_at":"2026-11-27T10:00:00.000Z","delivered_by":4,"ended_at":"2026-11-27T10:00:00.000Z","fraction":1,"id":1,"machine_clock_at_start":null,"plan":1,"sk_used_U":41000.0,"source_model":"mHDR-v2","source_serial":"D36A-1234","status":"interrupted"}','5049c4614d11aad81d4baebecc22c3fc67bfeaa47c24394ccc5be5b73aa21e87','b24fbfaf77c428ac719a6086103c2941d2c887214055f8024d1473e0e57e388b',4);
INSERT INTO audit_log VALUES(21,'2026-11-27T08:23:01.077Z',NULL,'tom','login_failed','failed_logins',1,'{"at":"2026-11-27T08:23:01.076Z","id":1,"reason":"wrong password","user":4,"user_name":"tom"}','b24fbfaf77c428ac719a6086103c2941d2c887214055f8024d1473e0e57e388b','4c93365af9a579cd1f2d45396df9e4a3aecfa7c7ea234e62c56b151aadda8fe4',NULL);
INSERT INTO audit_log VALUES(22,'2026-11-27T08:23:01.089Z',2,'paula','store_case','cases',1,'{"case_id":"case-07","case_json":"{\"catheters\":[{\"id\":1,\"path_mm\":[[-5.0,10.0,20.0],[-5.0,10.0,60.0]]},{\"id\":2,\"path_mm\":[[5.0,10.0,20.0],[5.0,10.0,60.0]]}],\"dwell_step_mm\":5.0,\"format\":\"hdr-case/1\",\"id\":\"case-07\",\"prescription\":{\"dose_Gy\":15.0,\"fractions\":1},\"source\":{\"air_kerma_strength_U\":40700.0,\"model\":\"mHDR-v2\",\"reference_time\":\"2026-11-27T08:00:00Z\"},\"structures\":[{\"kind\":\"target\",\"name\":\"prostate\",\"slices\":[{\"points_mm\":[[-15.0,0.0],[15.0,0.0],[15.0,25.0],[-15.0,25.0]],\"z_mm\":20.0},{\"points_mm\":[[-15.0,0.0],[15.0,0.0],[15.0,25.0],[-15.0,25.0]],\"z_mm\":25.0},{\"points_mm\":[[-15.0,0.0],[15.0,0.0],[15.0,25.0],[-15.0,25.0]],\"z_mm\":30.0}]},{\"kind\":\"organ_at_risk\",\"name\":\"urethra\",\"slices\":[{\"points_mm\":[[-2.0,12.0],[2.0,12.0],[0.0,15.0]],\"z_mm\":20.0},{\"points_mm\":[[-2.0,12.0],[2.0,12.0],[0.0,15.0]],\"z_mm\":25.0},{\"points_mm\":[[-2.0,12.0],[2.0,12.0],[0.0,15.0]],\"z_mm\":30.0}]}]}","content_hash":"665ab77afcc074d49d4eab22f6be03c8bcf84ed2e45dbbcdf06a1a3eae0fdaf1","created_at":"2026-11-27T08:23:01.089Z","id":1,"patient":1,"stored_by":2}','4c93365af9a579cd1f2d45396df9e4a3aecfa7c7ea234e62c56b151aadda8fe4','4059e4aa82ec00231ffe4b31af0d3387ca4075e0c7a22ce5fc084330dcddc5ec',2);
INSERT INTO audit_log VALUES(23,'2026-11-27T08:23:01.105Z',2,'paula','approve_case','case_approvals',1,'{"approved_at":"2026-11-27T08:23:01.105Z","case_hash":"665ab77afcc074d49d4eab22f6be03c8bcf84ed2e45dbbcdf06a1a3eae0fdaf1","case_ref":1,"id":1,"role":"physician","user":2}','4059e4aa82ec00231ffe4b31af0d3387ca4075e0c7a22ce5fc084330dcddc5ec','15153581ed58d0d1a35f9b1a5d40ec201163cd0f85c43be5158449642ed4dfcf',2);
INSERT INTO audit_log VALUES(24,'2026-11-27T08:23:01.106Z',2,'paula','import_plan','plans',2,'{"case_id":"case-07","case_ref":1,"content_hash":"9ecb371776dca96db23ebb0488af7a13ebdbb3203ad223565354d990c7e0fdb7","dwells":[{"catheter":1,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":0,"time_s":3.2,"x_mm":-5.0,"y_mm":10.0,"z_mm":20.0},{"catheter":1,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":1,"time_s":4.5,"x_mm":-5.0,"y_mm":10.0,"z_mm":25.0},{"catheter":1,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":2,"time_s":0.0,"x_mm":-5.0,"y_mm":10.0,"z_mm":30.0},{"catheter":2,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":3,"time_s":2.1,"x_mm":5.0,"y_mm":10.0,"z_mm":20.0},{"catheter":2,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":4,"time_s":6.0,"x_mm":5.0,"y_mm":10.0,"z_mm":25.0},{"catheter":2,"direction_x":0.0,"direction_y":0.0,"direction_z":1.0,"dwell_index":5,"time_s":1.3,"x_mm":5.0,"y_mm":10.0,"z_mm":30.0}],"extra_json":"{}","id":2,"imported_at":"2026-11-27T08:23:01.106Z","imported_by":2,"metrics_json":"{\"prostate\":{\"V100_pct\":95.5},\"urethra\":{\"D10_Gy\":16.2}}","patient":1,"prescription_dose_Gy":15.0,"prescription_fractions":1,"source_air_kerma_strength_U":40700.0,"source_model":"mHDR-v2","source_reference_time":"2026-11-27T08:00:00Z","timing_ms_json":"{\"total\":123.0}"}','15153581ed58d0d1a35f9b1a5d40ec201163cd0f85c43be5158449642ed4dfcf','e0ed37e675615bcad4a29fb9c979ccab62a1f967a88e3acd874b0ea73f85cb98',2);
INSERT INTO audit_log VALUES(25,'2026-11-27T08:23:01.116Z',1,'alice','logout','login_sessions',1,'{"ended_at":"2026-11-27T08:23:01.116Z","ended_how":"logout","id":1,"started_at":"2026-11-27T08:23:00.982Z","user":1}','e0ed37e675615bcad4a29fb9c979ccab62a1f967a88e3acd874b0ea73f85cb98','8d4e6e5e5eb5551e4e0098dc136e916f8bd01c4c957c126df14bba29b02ef778',1);
INSERT INTO audit_log VALUES(26,'2026-11-27T08:23:01.121Z',2,'paula','logout','login_sessions',2,'{"ended_at":"2026-11-27T08:23:01.121Z","ended_how":"logout","id":2,"started_at":"2026-11-27T08:23:01.004Z","user":2}','8d4e6e5e5eb5551e4e0098dc136e916f8bd01c4c957c126df14bba29b02ef778','197960e6b6cfdbeb7a762694ccd2db42fdfe581415b4ab18b2dd74914720ecf5',2);
INSERT INTO audit_log VALUES(27,'2026-11-27T08:23:01.132Z',3,'phil','logout','login_sessions',3,'{"ended_at":"2026-11-27T08:23:01.132Z","ended_how":"logout","id":3,"started_at":"2026-11-27T08:23:01.005Z","user":3}','197960e6b6cfdbeb7a762694ccd2db42fdfe581415b4ab18b2dd74914720ecf5','d501566a9cd9a955adf692884495568acd1e094cc535643762c01e3e2c7b7ea2',3);
INSERT INTO audit_log VALUES(28,'2026-11-27T08:23:01.140Z',4,'tom','logout','login_sessions',4,'{"ended_at":"2026-11-27T08:23:01.140Z","ended_how":"logout","id":4,"started_at":"2026-11-27T08:23:01.006Z","user":4}','d501566a9cd9a955adf692884495568acd1e094cc535643762c01e3e2c7b7ea2','13db6fd71409db84b918a8fc36afe9c8c92b0fbf7a83e70030041e12beb5f028',4);
CREATE TABLE login_sessions (
  id         INTEGER PRIMARY KEY,
  user       INTEGER NOT NULL REFERENCES users(id),
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  ended_how  TEXT CHECK (ended_how IN ('logout','aborted')),
  CHECK ((ended_at IS NULL) = (ended_how IS NULL))
);
INSERT INTO login_sessions VALUES(1,1,'2026-11-27T08:23:00.982Z','2026-11-27T08:23:01.116Z','logout');
INSERT INTO login_sessions VALUES(2,2,'2026-11-27T08:23:01.004Z','2026-11-27T08:23:01.121Z','logout');
INSERT INTO login_sessions VALUES(3,3,'2026-11-27T08:23:01.005Z','2026-11-27T08:23:01.132Z','logout');
INSERT INTO login_sessions VALUES(4,4,'2026-11-27T08:23:01.006Z','2026-11-27T08:23:01.140Z','logout');
CREATE TABLE failed_logins (
  id        INTEGER PRIMARY KEY,
  user_name TEXT NOT NULL,
  user      INTEGER REFERENCES users(id),
  at        TEXT NOT NULL,
  reason    TEXT NOT NULL CHECK (reason IN ('unknown user','wrong password'))
);
INSERT INTO failed_logins VALUES(1,'tom',4,'2026-11-27T08:23:01.076Z','wrong password');
CREATE TABLE cases (
  id           INTEGER PRIMARY KEY,
  patient      INTEGER NOT NULL REFERENCES patients(id),
  case_id      TEXT NOT NULL,
  case_json    TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  stored_by    INTEGER NOT NULL REFERENCES users(id),
  created_at   TEXT NOT NULL
);
INSERT INTO cases VALUES(1,1,'case-07','{"catheters":[{"id":1,"path_mm":[[-5.0,10.0,20.0],[-5.0,10.0,60.0]]},{"id":2,"path_mm":[[5.0,10.0,20.0],[5.0,10.0,60.0]]}],"dwell_step_mm":5.0,"format":"hdr-case/1","id":"case-07","prescription":{"dose_Gy":15.0,"fractions":1},"source":{"air_kerma_strength_U":40700.0,"model":"mHDR-v2","reference_time":"2026-11-27T08:00:00Z"},"structures":[{"kind":"target","name":"prostate","slices":[{"points_mm":[[-15.0,0.0],[15.0,0.0],[15.0,25.0],[-15.0,25.0]],"z_mm":20.0},{"points_mm":[[-15.0,0.0],[15.0,0.0],[15.0,25.0],[-15.0,25.0]],"z_mm":25.0},{"points_mm":[[-15.0,0.0],[15.0,0.0],[15.0,25.0],[-15.0,25.0]],"z_mm":30.0}]},{"kind":"organ_at_risk","name":"urethra","slices":[{"points_mm":[[-2.0,12.0],[2.0,12.0],[0.0,15.0]],"z_mm":20.0},{"points_mm":[[-2.0,12.0],[2.0,12.0],[0.0,15.0]],"z_mm":25.0},{"points_mm":[[-2.0,12.0],[2.0,12.0],[0.0,15.0]],"z_mm":30.0}]}]}','665ab77afcc074d49d4eab22f6be03c8bcf84ed2e45dbbcdf06a1a3eae0fdaf1',2,'2026-11-27T08:23:01.089Z');
CREATE TABLE case_approvals (
  id          INTEGER PRIMARY KEY,
  case_ref    INTEGER NOT NULL UNIQUE REFERENCES cases(id),
  user        INTEGER NOT NULL REFERENCES users(id),
  role        TEXT NOT NULL CHECK (role = 'physician'),
  approved_at TEXT NOT NULL,
  case_hash   TEXT NOT NULL
);
INSERT INTO case_approvals VALUES(1,1,2,'physician','2026-11-27T08:23:01.105Z','665ab77afcc074d49d4eab22f6be03c8bcf84ed2e45dbbcdf06a1a3eae0fdaf1');
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX plans_patient ON plans(patient);
CREATE INDEX sessions_plan ON delivery_sessions(plan);
CREATE INDEX calibrations_source ON calibrations(source);
CREATE INDEX login_sessions_user ON login_sessions(user);
CREATE INDEX cases_patient ON cases(patient);
CREATE INDEX plans_case ON plans(case_ref);
COMMIT;
