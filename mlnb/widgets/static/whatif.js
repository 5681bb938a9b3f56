function render({ model, el }) {}
export default { render };
