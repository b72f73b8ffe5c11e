-- 0019 (PostgreSQL): the per-person rules of a team desk, enforced by the server on the login that
-- authenticated (session_user, mapped to a person by users.login), so a window that skipped its
-- own checks is refused all the same (issue 13, "Permissions are enforced by PostgreSQL").
-- Triggers, not row-level security: each rule is about a change of a row (a sign-off appearing,
-- a level becoming escalated, a body changing), which a trigger sees as OLD and NEW; a policy's
-- WITH CHECK sees only the new row, and USING would also hide rows everyone may read. Each
-- refusal is SQLSTATE 42501 (insufficient_privilege), which the window shows as "Your login may
-- not do this on the team desk (...)". SQLite's 0019 is empty: a file has no logins.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

-- Who counts as a manager: a desk_manager login, the desk's owner, or a superuser (the owner and
-- the administrator set the desk up; `desk init` gives nobody else ownership). A desk without the
-- group roles yet (not through `desk init`) has only its owner's logins.
CREATE FUNCTION desk_is_manager() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
        OR pg_has_role(session_user, (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases'), 'MEMBER')
        OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_manager')
            AND pg_has_role(session_user, 'desk_manager', 'MEMBER'))
$$;

-- The sign-offs: the ABRM's only by the login mapped to the case's ABRM (by the directory
-- address), the escalation manager's only by a manager.
CREATE FUNCTION aars_signed_by_their_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.abrm_signed_at IS NOT NULL AND OLD.abrm_signed_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM team_members t JOIN people p ON p.id = t.person_id
                 JOIN users u ON lower(u.email) = lower(p.email)
        WHERE t.case_id = NEW.case_id AND t.role = 'abrm'
          AND t.released_at IS NULL AND u.login = session_user::text)
    THEN
        RAISE EXCEPTION 'only the case''s ABRM signs as ABRM, and login % is not mapped to them', session_user
            USING ERRCODE = '42501';
    END IF;
    IF NEW.manager_signed_at IS NOT NULL AND OLD.manager_signed_at IS NULL AND NOT desk_is_manager() THEN
        RAISE EXCEPTION 'only a desk manager signs as escalation manager' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER aars_signed_by_their_people_desk_rule BEFORE UPDATE OF abrm_signed_at, manager_signed_at ON aars
    FOR EACH ROW EXECUTE FUNCTION aars_signed_by_their_people();

-- Escalating (a case's level becoming escalated, at intake or later) is a manager's decision.
CREATE FUNCTION cases_escalated_by_managers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.level = 'escalated' AND (TG_OP = 'INSERT' OR OLD.level <> 'escalated') AND NOT desk_is_manager() THEN
        RAISE EXCEPTION 'only a desk manager escalates a case' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cases_escalated_by_managers_desk_rule BEFORE INSERT OR UPDATE OF level ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_escalated_by_managers();

-- A section assigned to someone is written by them (or a manager); an unassigned one by anyone
-- who may write.
CREATE FUNCTION aar_sections_written_by_their_assignee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body IS DISTINCT FROM OLD.body AND OLD.assignee_id IS NOT NULL AND NOT desk_is_manager()
       AND NOT EXISTS (SELECT 1 FROM people p JOIN users u ON lower(u.email) = lower(p.email)
                       WHERE p.id = OLD.assignee_id AND u.login = session_user::text)
    THEN
        RAISE EXCEPTION 'section "%" is assigned to someone else: its assignee or a manager writes it', OLD.title
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER aar_sections_written_by_their_assignee_desk_rule BEFORE UPDATE OF body ON aar_sections
    FOR EACH ROW EXECUTE FUNCTION aar_sections_written_by_their_assignee();

-- A plan revision by anyone but a manager changes only actions that are the saver's own or
-- nobody's (added, changed or removed); the others' actions stay as they were. As sections: an
-- owned action is its owner's (by the directory address of the login's person) or a manager's.
CREATE FUNCTION plan_revisions_change_own_actions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me bigint;
    before jsonb;
    a jsonb;
    b jsonb;
BEGIN
    IF desk_is_manager() THEN
        RETURN NEW;
    END IF;
    SELECT p.id INTO me FROM users u JOIN people p ON lower(p.email) = lower(u.email)
    WHERE u.login = session_user::text;
    SELECT r.actions::jsonb INTO before FROM plan_revisions r
    WHERE r.case_id = NEW.case_id AND r.plan = NEW.plan ORDER BY r.revision DESC LIMIT 1;
    before := COALESCE(before, '[]'::jsonb);
    FOR a IN SELECT * FROM jsonb_array_elements(NEW.actions::jsonb) LOOP
        b := (SELECT x FROM jsonb_array_elements(before) x WHERE x->>'id' = a->>'id');
        IF b IS DISTINCT FROM a AND (b->>'ownerId') IS NOT NULL AND (me IS NULL OR (b->>'ownerId')::bigint <> me) THEN
            RAISE EXCEPTION 'action "%" belongs to someone else: its owner or a manager changes it', b->>'description'
                USING ERRCODE = '42501';
        END IF;
        IF b IS NULL AND (a->>'ownerId') IS NOT NULL AND (me IS NULL OR (a->>'ownerId')::bigint <> me) THEN
            RAISE EXCEPTION 'a new action "%" may be yours or nobody''s: a manager gives actions to others', a->>'description'
                USING ERRCODE = '42501';
        END IF;
    END LOOP;
    FOR b IN SELECT * FROM jsonb_array_elements(before) LOOP
        IF (b->>'ownerId') IS NOT NULL AND (me IS NULL OR (b->>'ownerId')::bigint <> me)
           AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(NEW.actions::jsonb) x WHERE x->>'id' = b->>'id') THEN
            RAISE EXCEPTION 'action "%" belongs to someone else: its owner or a manager removes it', b->>'description'
                USING ERRCODE = '42501';
        END IF;
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER plan_revisions_change_own_actions_desk_rule BEFORE INSERT ON plan_revisions
    FOR EACH ROW EXECUTE FUNCTION plan_revisions_change_own_actions();
