"""The style sheet: Slack's light theme as its web client draws messages, modals and App Home
(Lato 15/22, bold app name with an APP badge, grey 4px-radius buttons, green primary, red
danger, small grey context, blue mention chips)."""

from __future__ import annotations

CSS = """
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; background: #fff; color: #1d1c1d;
  font: 15px/22px Lato, "Slack-Lato", "Helvetica Neue", Helvetica, Arial, sans-serif;
  -webkit-font-smoothing: antialiased; }
.window { width: 680px; background: #fff; border: 1px solid #dddddd; border-radius: 8px;
  overflow: hidden; }
.window.home { width: 760px; }
.bar { padding: 12px 20px; border-bottom: 1px solid #e8e8e8; font-weight: 900;
  font-size: 17px; display: flex; align-items: center; gap: 8px; }
.bar .sub { font-weight: 400; font-size: 13px; color: #616061; }
.messages { padding: 8px 0 12px; }
.msg { display: flex; gap: 8px; padding: 8px 20px 4px; }
.msg.cont { padding-top: 0; }
.gutter { width: 36px; flex-shrink: 0; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #1f7a57; color: #fff;
  font-weight: 900; font-size: 20px; line-height: 36px; text-align: center; flex-shrink: 0; }
.msg-body { flex: 1; min-width: 0; }
.msg-head { line-height: 20px; margin-bottom: 2px; }
.app-name { font-weight: 900; }
.badge { font-size: 10px; font-weight: 700; line-height: 14px; padding: 1px 3px;
  margin-left: 4px; border-radius: 2px; background: rgba(29,28,29,.13);
  color: rgba(29,28,29,.7); vertical-align: 1px; }
.time { font-size: 12px; color: #616061; margin-left: 6px; }
.ephemeral { font-size: 13px; color: #616061; margin-bottom: 2px; }
.thread-note { font-size: 13px; color: #616061; padding: 4px 20px 0 64px; }
.b-section { display: flex; gap: 12px; margin: 4px 0; }
.section-body { flex: 1; min-width: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.field, .b-context span { white-space: pre-wrap; }
.accessory { flex-shrink: 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 4px; }
.b-header { font-size: 18px; line-height: 26px; font-weight: 900; margin: 8px 0 4px; }
.b-divider { border: 0; border-top: 1px solid rgba(29,28,29,.13); margin: 12px 0; }
.b-context { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px;
  font-size: 13px; line-height: 18px; color: #616061; margin: 6px 0; }
.b-context b { color: #616061; }
.context-img { width: 20px; height: 20px; border-radius: 4px; }
.b-actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.btn { display: inline-flex; align-items: center; height: 28px; padding: 0 12px;
  border: 1px solid rgba(29,28,29,.3); border-radius: 4px; background: #fff; color: #1d1c1d;
  font-size: 13px; font-weight: 700; white-space: nowrap; }
.btn-primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.btn-danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.overflow { padding: 0 8px; }
.b-image { margin: 8px 0; }
.image-title { font-size: 13px; color: #616061; margin-bottom: 4px; }
img.image { display: block; max-width: 360px; max-height: 360px; border-radius: 8px;
  border: 1px solid rgba(29,28,29,.1); }
.image.missing, .accessory-img.missing { width: 360px; padding: 24px 12px; font-size: 13px;
  line-height: 18px; color: #616061; background: #f8f8f8; border: 1px dashed #bbbbbb;
  border-radius: 8px; text-align: center; }
img.accessory-img { width: 88px; height: 88px; border-radius: 8px; object-fit: cover; }
.mrkdwn b, .field b { font-weight: 700; }
.mention { color: #1264a3; background: rgba(29,155,209,.1); border-radius: 3px;
  padding: 0 2px; }
.mention.broadcast { color: #1d1c1d; background: rgba(242,199,68,.4); }
.link { color: #1264a3; text-decoration: none; }
code { font: 12px/18px Monaco, Menlo, Consolas, "Courier New", monospace; color: #c01343;
  background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px;
  padding: 1px 3px; }
pre.code-block { font: 12px/18px Monaco, Menlo, Consolas, "Courier New", monospace;
  background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 4px;
  padding: 8px; margin: 4px 0; white-space: pre-wrap; }
blockquote { margin: 4px 0; padding-left: 12px; border-left: 4px solid #dddddd; }
.options { margin: 2px 0; }
.option { display: flex; gap: 8px; align-items: flex-start; margin: 4px 0; }
.box { width: 16px; height: 16px; margin-top: 3px; flex-shrink: 0; border-radius: 4px;
  border: 1px solid #868686; font-size: 12px; line-height: 14px; text-align: center;
  color: #fff; font-weight: 900; }
.box.radio { border-radius: 50%; }
.option.on .box { background: #1264a3; border-color: #1264a3; }
.option.on .box.radio { background: #fff; border: 5px solid #1264a3; }
.option-desc { font-size: 13px; color: #616061; line-height: 18px; }
.select { display: flex; justify-content: space-between; align-items: center; gap: 12px;
  min-width: 240px; height: 36px; padding: 0 12px; border: 1px solid rgba(29,28,29,.3);
  border-radius: 4px; background: #fff; }
.placeholder { color: #868686; }
.text-input { min-height: 36px; padding: 6px 12px; border: 1px solid rgba(29,28,29,.3);
  border-radius: 4px; overflow-wrap: anywhere; }
.text-input.multiline { min-height: 88px; }
.b-input { margin: 16px 0; }
.input-label { font-weight: 700; margin-bottom: 8px; }
.optional { font-weight: 400; color: #616061; }
.input-hint { font-size: 13px; color: #616061; margin-top: 4px; }
.b-markdown .md-heading { font-weight: 900; }
.b-markdown .md-gap { height: 8px; }
.unsupported { border: 2px solid #e01e5a; color: #e01e5a; padding: 4px 8px; margin: 4px 0;
  font-weight: 700; }
.file { margin: 6px 0; border: 1px solid rgba(29,28,29,.13); border-radius: 8px;
  padding: 8px; display: inline-block; }
.file-title { font-size: 13px; color: #616061; margin-bottom: 4px; }
.file img { display: block; max-width: 560px; border-radius: 4px; }
.backdrop { display: inline-block; padding: 28px; background: #6b6b6b; border-radius: 8px;
  overflow: hidden; }
.modal { width: 520px; background: #fff; border-radius: 8px;
  box-shadow: 0 18px 48px rgba(0,0,0,.35); }
.modal-head { display: flex; align-items: center; gap: 10px; padding: 18px 24px 16px;
  border-bottom: 1px solid rgba(29,28,29,.13); }
.modal-head .avatar { width: 24px; height: 24px; font-size: 14px; line-height: 24px;
  border-radius: 4px; }
.modal-title { flex: 1; font-size: 22px; line-height: 28px; font-weight: 900; }
.modal-x { color: #616061; font-size: 18px; }
.modal-body { padding: 8px 24px 12px; }
.modal-foot { display: flex; justify-content: flex-end; gap: 8px; padding: 16px 24px;
  border-top: 1px solid rgba(29,28,29,.13); }
.modal-foot .btn { height: 36px; padding: 0 16px; font-size: 15px; }
.modal .select { width: 100%; }
.tabs { display: flex; gap: 24px; padding: 0 20px; border-bottom: 1px solid #e8e8e8;
  font-size: 14px; font-weight: 700; color: #616061; }
.tab { padding: 10px 0 8px; }
.tab.on { color: #1d1c1d; border-bottom: 2px solid #1d1c1d; }
.home-body { padding: 12px 20px 16px; }
.toast { border-top: 1px solid #e8e8e8; background: #f8f8f8; padding: 10px 20px 14px; }
.toast-label { font-size: 12px; font-weight: 700; color: #616061; text-transform: uppercase;
  letter-spacing: .04em; margin-bottom: 6px; }
.toast-body { display: flex; gap: 10px; background: #fff; border: 1px solid #dddddd;
  border-radius: 8px; padding: 10px 12px; box-shadow: 0 4px 12px rgba(0,0,0,.08);
  overflow-wrap: anywhere; }
.index { max-width: 820px; margin: 0 auto; }
.index h1 { font-size: 26px; line-height: 34px; }
.index h2 { margin: 40px 0 4px; font-size: 20px; }
.index .meta { font-size: 13px; color: #616061; margin-bottom: 10px; }
.index .notification { font: 12px/18px Monaco, Menlo, monospace; color: #616061;
  margin-top: 6px; white-space: pre-wrap; }
"""
