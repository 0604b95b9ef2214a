// The model picker: what GET /api/models lists, in a <select>. A model that cannot call tools is shown but disabled
// (Kiln would refuse it); one that does not see images says so.
import { models } from "./api.js";
import { h } from "./dom.js";

const lastChoiceKey = "kiln.model";

// Fills the select and picks `preferred` when it is listed, else the server's default. Returns the list (empty when
// the server could not be asked; the select is then hidden and prompts go without a model, as before).
export async function fillModelPicker(select, preferred) {
  let list;
  try {
    list = await models.list();
  } catch {
    select.hidden = true;
    return [];
  }
  const known = list.models.some((model) => model.id === preferred);
  const chosen = known ? preferred : list.default;
  select.replaceChildren(...list.models.map((model) =>
    h("option", { value: model.id, disabled: !model.tools, selected: model.id === chosen }, label(model))));
  // A project's model that is no longer listed (its provider's key is gone) still shows what the project uses.
  if (preferred && !known) select.prepend(h("option", { value: preferred, selected: true }, `${preferred} (not available now)`));
  select.hidden = false;
  return list.models;
}

function label(model) {
  const notes = [];
  if (model.isDefault) notes.push("default");
  if (!model.tools) notes.push("cannot call tools");
  else if (!model.images) notes.push("text only");
  return notes.length ? `${model.id} (${notes.join(", ")})` : model.id;
}

// The model a new project starts with: the last one picked on this browser.
export const lastModel = {
  get: () => localStorage.getItem(lastChoiceKey),
  set: (id) => localStorage.setItem(lastChoiceKey, id),
};
